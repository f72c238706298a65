package dev.reembed.dashboard;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.eclipse.microprofile.config.ConfigProvider;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.reembed.embedding.gemini.FakeGeminiApi;
import dev.reembed.embedding.gemini.FakeGeminiResource.InjectFakeGemini;
import dev.reembed.testing.BackfillState;
import dev.reembed.testing.FakeGeminiProfile;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The dashboard in Debian's headless chromium (scripts/browser.sh installs it and its driver): a
 * run started from the page against the fake Gemini API, watched, paused and resumed, its failures
 * listed and retried. Assertions read what a person reads: the bar, the status text, the table.
 */
@QuarkusTest
@TestProfile(FakeGeminiProfile.class)
class DashboardBrowserTest {

    static final String CHROMIUM = System.getProperty("reembed.test.chromium", "/usr/bin/chromium");
    static final String CHROMEDRIVER = System.getProperty("reembed.test.chromedriver", "/usr/bin/chromedriver");
    /** target/ by default, so a test run leaves the work tree clean; -Dreembed.test.screenshot=docs/dashboard.png refreshes the README's. */
    static final Path SCREENSHOT = Path.of(System.getProperty("reembed.test.screenshot", "target/dashboard.png"));
    static final long[] POISON = {7, 150, 333};

    @InjectFakeGemini
    FakeGeminiApi fake;

    @Inject
    AgroalDataSource db;

    @TestHTTPResource("/")
    URL page;

    static WebDriver browser;

    @BeforeAll
    static void openBrowser() throws IOException {
        browser = chromium();
    }

    /** Debian's headless chromium with its driver, nothing downloaded: what every browser test here uses. */
    static WebDriver chromium() throws IOException {
        assertThat(new File(CHROMIUM).canExecute()).as(CHROMIUM + " (scripts/browser.sh installs it)").isTrue();
        assertThat(new File(CHROMEDRIVER).canExecute()).as(CHROMEDRIVER + " (scripts/browser.sh installs it)").isTrue();
        // Explicit binary and driver: Selenium Manager never runs, so nothing is downloaded.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless=new", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                "--user-data-dir=" + Files.createTempDirectory("reembed-chromium"));
        return new ChromeDriver(service, options);
    }

    @BeforeEach
    void quietStore() {
        BackfillState.clear(db, fake);
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void aRunStartedFromThePageIsWatchedPausedResumedAndItsFailuresRetried() throws IOException {
        seed(400);
        TestDb.exec(db, "update questions set content = content || ' " + FakeGeminiApi.INVALID_MARKER + "' where id in ("
                + POISON[0] + "," + POISON[1] + "," + POISON[2] + ")");
        fake.latency(250); // slow enough to watch: about 40 batches of 10, one at a time

        open("");
        waitFor(Duration.ofSeconds(10), b -> text("no-run").equals("No backfill run yet.") && visible("no-run"));
        waitFor(Duration.ofSeconds(10), b -> text("mig-column").equals("vector(1536)")); // the migration state
        assertThat(el("apply").isEnabled()).as("nothing pending to apply").isFalse();

        new Select(el("start-scope")).selectByVisibleText("STALE");
        type("start-batch", "10");
        type("start-concurrency", "1");
        el("start-form").findElement(By.tagName("button")).click();

        waitFor(Duration.ofSeconds(15), b -> text("run-status").equals("RUNNING") && progress() > 0);
        assertThat(text("run-counts")).as("processed / total").endsWith("/ 400");
        double first = progress();
        waitFor(Duration.ofSeconds(15), b -> progress() > first);
        waitFor(Duration.ofSeconds(15), b -> !text("run-rate").equals("–"));
        assertThat(text("run-tokens")).isNotEqualTo("0");
        assertThat(text("run-cost")).startsWith("$");
        assertThat(text("run-price")).isEqualTo("gemini · $0.15 / 1M tokens"); // the chosen provider's price, from the registry
        waitFor(Duration.ofSeconds(30), b -> progress() >= 20 && visible("failures")); // a run well under way, a failure listed
        // The history chart: a rows/s line above zero, in view for the screenshot.
        waitFor(Duration.ofSeconds(15), b -> visible("history") && chartPoints("rows-line").size() >= 2
                && chartPoints("rows-line").stream().anyMatch(p -> p[1] < CHART_ROWS_BASELINE));
        assertThat(chartPoints("err-line")).as("the errors line").hasSizeGreaterThanOrEqualTo(2);
        assertThat(text("history-summary")).matches("Peak [\\d.,]+ rows/s · \\d+ 429s · \\d+ other errors · \\d+ lease takeovers");
        assertThat((Boolean) ((JavascriptExecutor) browser).executeScript(
                "const r = arguments[0].getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;", el("history-chart")))
                .as("the chart is in the screenshot").isTrue();
        Files.createDirectories(SCREENSHOT.getParent());
        Files.copy(((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOT, StandardCopyOption.REPLACE_EXISTING);

        el("pause").click();
        waitFor(Duration.ofSeconds(10), b -> text("run-status").equals("PAUSED"));
        assertThat(el("resume").isEnabled()).as("resume offered while paused").isTrue();
        assertThat(el("pause").isEnabled()).as("pause not offered while paused").isFalse();
        sleep(1500); // the batch already at the provider finishes
        String pausedAt = text("run-counts");
        sleep(2500);
        assertThat(text("run-counts")).as("the bar stands still while paused").isEqualTo(pausedAt);

        el("resume").click();
        waitFor(Duration.ofSeconds(10), b -> text("run-status").equals("RUNNING"));
        waitFor(Duration.ofSeconds(15), b -> !text("run-counts").equals(pausedAt));

        waitFor(Duration.ofSeconds(90), b -> text("run-status").equals("COMPLETED"));
        assertThat(text("failure-count")).isEqualTo("3");
        // The poison rows' 400s are provider errors: the chart's last load after the end counts them.
        waitFor(Duration.ofSeconds(15), b -> otherErrors() > 0);
        waitFor(Duration.ofSeconds(10), b -> visible("failures") && rows("failures").size() == 3);
        List<WebElement> failures = rows("failures");
        for (int i = 0; i < POISON.length; i++) {
            List<WebElement> cells = failures.get(i).findElements(By.tagName("td"));
            assertThat(cells.get(0).getText()).isEqualTo(String.valueOf(POISON[i]));
            assertThat(cells.get(1).getText()).isEqualTo("INVALID_ARGUMENT");
            assertThat(cells.get(2).getText()).isNotBlank();
        }
        assertThat(visible("retry")).as("retry offered").isTrue();

        // The provider accepts the rows once their text is fixed; Retry from the page re-embeds them.
        TestDb.exec(db, "update questions set content = replace(content, ' " + FakeGeminiApi.INVALID_MARKER + "', '')");
        waitFor(Duration.ofSeconds(10), b -> el("retry").isEnabled());
        el("retry").click();
        new WebDriverWait(browser, Duration.ofSeconds(30), Duration.ofMillis(100))
                .withMessage(() -> "page: " + text("run-status") + " " + text("run-counts") + " succeeded " + text("run-succeeded")
                        + ", failed " + text("failure-count") + "; API: " + given().get("/api/backfills").asString()
                        + "; items: " + TestDb.string(db, "select string_agg(state || '=' || n, ',') from (select state, count(*) n from backfill_items group by state) s"))
                .until(b -> text("run-status").equals("COMPLETED") && text("failure-count").equals("0") && text("run-succeeded").equals("400"));
        assertThat(progress()).isEqualTo(100.0);
        assertThat(visible("failures")).as("failure list emptied").isFalse();
        assertThat(visible("retry")).isFalse();
        // The runs table is reloaded when the page sees the run end; it lags the header by a request.
        waitFor(Duration.ofSeconds(10), b -> rows("runs").get(0).getText().contains("COMPLETED"));
        assertThat(rows("runs").get(0).getText()).contains("COMPLETED").contains("400 / 400");

        waitFor(Duration.ofSeconds(60), b -> el("verify").isEnabled()); // the page verifies on its own after a run
        el("verify").click();
        // the fake API's vectors carry no meaning, so recall and self-retrieval may go either way; coverage may not
        waitFor(Duration.ofSeconds(60), b -> List.of("PASS", "FAIL").contains(text("ver-status")));
        assertThat(el("ver-checks").getText()).contains("PASS coverage: 400 of 400 questions");
        assertThat(TestDb.number(db, "select count(*) from questions where embedding is null")).isZero();
    }

    /** Without the event stream: polls every 2 s, and a poll of an unchanged (paused) run is a 304. */
    @Test
    void pollingFallbackSendsIfNoneMatchAndAnUnchangedRunCostsA304() {
        seed(80);
        fake.latency(300);
        long id = given().contentType("application/json").body(Map.of("batchSize", 5, "concurrency", 1))
                .post("/api/backfills").then().statusCode(202).extract().jsonPath().getLong("id");

        open("?live=poll");
        waitFor(Duration.ofSeconds(15), b -> text("run-status").equals("RUNNING") && text("live").contains("polling"));
        double first = progress();
        waitFor(Duration.ofSeconds(15), b -> progress() > first);

        el("pause").click();
        waitFor(Duration.ofSeconds(10), b -> text("run-status").equals("PAUSED"));
        sleep(5000); // two or three polls of a run that no longer changes
        List<Object> statuses = resourceStatuses("/api/backfills/" + id);
        assertThat(statuses).as("polls of run " + id).contains(200L, 304L);
        assertThat(resourceStatuses("/api/backfills/" + id + "/events")).as("no event stream asked for").isEmpty();

        el("resume").click();
        waitFor(Duration.ofSeconds(60), b -> text("run-status").equals("COMPLETED"));
        assertThat(text("run-counts")).isEqualTo("80 / 80");
    }

    /**
     * The online migration panel: none yet, a refused start's detail, a start from the form that moves
     * through its phases, a cutover, a swap back and a rollback, each behind its confirmation. No
     * finalize: this profile's database is shared with other classes, and the rollback restores its schema.
     */
    @Test
    void anOnlineMigrationStartedFromThePageMovesThroughItsPhasesAndIsRolledBack() throws IOException {
        seed(40);
        Files.createDirectories(SCREENSHOT.getParent());
        FakeGeminiApi.Gate gate = fake.holdNext(); // the shadow's first batch waits: BACKFILLING stands still to be seen
        try {
            open("");
            waitFor(Duration.ofSeconds(10), b -> visible("om-none") && visible("om-start-form"));
            assertThat(text("om-none")).isEqualTo("No online migration.");
            type("om-model", "gemini-embedding-001");
            type("om-dimensions", "3072");
            new Select(el("om-storage")).selectByVisibleText("VECTOR");
            el("om-start-form").findElement(By.tagName("button")).click();
            assertThat(confirm()).contains("gemini-embedding-001 at 3072 d (vector)");
            el("confirm-ok").click();
            // the 400's problem detail, as the service words it
            waitFor(Duration.ofSeconds(10), b -> visible("message") && text("message").startsWith("Start online migration failed:")
                    && text("message").contains("halfvec"));
            assertThat(visible("om")).as("nothing started").isFalse();

            new Select(el("om-storage")).selectByVisibleText("AUTO");
            el("om-start-form").findElement(By.tagName("button")).click();
            assertThat(confirm()).contains("you cut over when it is ready");
            el("confirm-ok").click();
            waitFor(Duration.ofSeconds(20), b -> text("om-phase").equals("BACKFILLING") && text("om-coverage-text").startsWith("0 / 40 rows"));
            assertThat(text("om-source")).isEqualTo("gemini-embedding-001 · 1536 d · vector");
            assertThat(text("om-target")).isEqualTo("gemini-embedding-001 · 3072 d · halfvec");
            assertThat(text("om-index")).isEqualTo("waits for the backfill");
            assertThat(text("om-live")).isEqualTo("the current column");
            assertThat(stepAttribute("PREPARED", "class")).isEqualTo("done");
            assertThat(stepAttribute("BACKFILLING", "aria-current")).isEqualTo("step");
            assertThat(visible("om-start-form")).as("no second start while one is open").isFalse();
            assertThat(el("om-cutover").isEnabled()).as("no cutover before READY").isFalse();
            assertThat(el("om-finalize").isEnabled()).isFalse();

            gate.pass();
            waitFor(Duration.ofSeconds(60), b -> text("om-phase").equals("READY"));
            assertThat(text("om-coverage-text")).isEqualTo("40 / 40 rows (100.0%)");
            assertThat(text("om-index")).startsWith("built");
            assertThat(text("om-switch")).isEqualTo("none yet");
            assertThat(el("om-cutover").isEnabled()).as("cutover offered in READY").isTrue();
            assertThat(el("om-finalize").isEnabled()).as("finalize only after the cutover").isFalse();
            Files.copy(el("online").getScreenshotAs(OutputType.FILE).toPath(),
                    SCREENSHOT.resolveSibling("dashboard-online.png"), StandardCopyOption.REPLACE_EXISTING);

            // the switch and the way back, each behind its confirmation, with the lock time shown
            el("om-cutover").click();
            assertThat(confirm()).contains("Cut over to gemini-embedding-001 · 3072 d · halfvec");
            el("confirm-ok").click();
            waitFor(Duration.ofSeconds(30), b -> text("om-phase").equals("CUT_OVER"));
            assertThat(text("om-live")).isEqualTo("the new column");
            assertThat(text("om-switch")).matches("lock held [0-9,]+ ms, waited [0-9,]+ ms.*");
            assertThat(text("om-rollback")).isEqualTo("Swap back…");
            assertThat(el("om-finalize").isEnabled()).as("finalize offered after the cutover").isTrue();
            assertThat(el("om-cutover").isEnabled()).isFalse();
            el("om-rollback").click();
            assertThat(confirm()).contains("Swap back to gemini-embedding-001 · 1536 d · vector");
            el("confirm-ok").click();
            waitFor(Duration.ofSeconds(30), b -> text("om-phase").equals("READY") && text("om-live").equals("the current column"));
            assertThat(TestDb.string(db, "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = "
                    + "'questions'::regclass and attname = 'embedding'")).isEqualTo("vector(1536)");

            el("om-rollback").click();
            assertThat(confirm()).contains("is dropped");
            el("confirm-ok").click();
            waitFor(Duration.ofSeconds(30), b -> text("om-phase").equals("ROLLED_BACK") && visible("om-start-form"));
            assertThat(stepAttribute("ROLLED_BACK", "class")).isEqualTo("current end");
            assertThat(stepAttribute("FINALIZED", "class")).isEqualTo("skipped");
            assertThat(visible("om-rollback")).isFalse();
            assertThat(TestDb.number(db, "select count(*) from pg_attribute where attrelid = 'questions'::regclass "
                    + "and attname = 'embedding_next' and not attisdropped")).as("the shadow column is gone").isZero();
            assertThat(resourceStatuses("/api/migration/online")).as("polled: none, then the migration").contains(404L, 200L);
        } finally {
            gate.pass();
            if (given().get("/api/migration/online").then().extract().statusCode() == 200
                    && !List.of("ROLLED_BACK", "FINALIZED").contains(given().get("/api/migration/online").path("phase"))) {
                given().post("/api/migration/online/rollback"); // leave the shared database at its schema
            }
        }
    }

    /** Waits for the confirmation dialog and returns its text. */
    private String confirm() {
        waitFor(Duration.ofSeconds(5), b -> visible("confirm"));
        return text("confirm-text");
    }

    /**
     * An attribute of a phase's step, read in one script: the panel re-renders its steps at every
     * poll, so an element found first and read after may already be replaced.
     */
    private String stepAttribute(String phase, String attribute) {
        return (String) ((JavascriptExecutor) browser).executeScript(
                "const li = document.querySelector(\"#om-steps li[data-phase='\" + arguments[0] + \"']\");"
                        + " return li ? li.getAttribute(arguments[1]) : null;", phase, attribute);
    }

    @Test
    void aViewerSeesTheRunButCannotAct() {
        seed(60);
        fake.latency(300);
        String viewer = io.restassured.RestAssured.given().contentType("application/json")
                .body(Map.of("name", "browser viewer", "role", "viewer")).post("/api/keys").then().statusCode(201).extract().path("key");
        long id = io.restassured.RestAssured.given().contentType("application/json").body(Map.of("batchSize", 5, "concurrency", 1))
                .post("/api/backfills").then().statusCode(202).extract().jsonPath().getLong("id");
        try {
            browser.get(page.toString());
            type("api-key", viewer);
            el("key-form").submit();
            waitFor(Duration.ofSeconds(20), d -> text("role").contains("viewer") && text("run-status").matches("QUEUED|RUNNING"));
            assertThat(text("run-id")).isEqualTo("#" + id);
            assertThat(visible("start-form")).as("no start form for a viewer").isFalse();
            for (String button : List.of("pause", "cancel")) {
                WebElement b = el(button);
                assertThat(!b.isDisplayed() || !b.isEnabled()).as("%s is not usable by a viewer", button).isTrue();
            }
        } finally {
            io.restassured.RestAssured.given().post("/api/backfills/" + id + "/cancel");
        }
    }

    /** The HTTP status of every request the page made to a path (Resource Timing). */
    @SuppressWarnings("unchecked")
    private static List<Object> resourceStatuses(String path) {
        return (List<Object>) ((JavascriptExecutor) browser).executeScript(
                "return performance.getEntriesByType('resource').filter(e => new URL(e.name).pathname === arguments[0])"
                        + ".map(e => e.responseStatus)", path);
    }

    /** Opens the page; once the service asks for a key (issue 7), types the test profile's operator key. */
    private void open(String query) {
        browser.get(page.toString() + query);
        ConfigProvider.getConfig().getOptionalValue("reembed.security.bootstrap-operator-key", String.class).ifPresent(key -> {
            type("api-key", key);
            el("key-form").submit();
        });
    }

    private void seed(int n) {
        TestDb.exec(db, "insert into questions (title, content) select 'How do I rotate page ' || g || ' of a PDF?', "
                + "'Question ' || g || ': the page comes out sideways after a scan. ' || md5(g::text) from generate_series(1, " + n + ") g");
    }

    /** history-chart.js: the bottom of the rows/s band, where a rate of zero is drawn. */
    static final double CHART_ROWS_BASELINE = 124;

    /** The points of the chart's polyline of that class, as (x, y). */
    private List<double[]> chartPoints(String cssClass) {
        List<WebElement> lines = el("history-chart").findElements(By.cssSelector("polyline." + cssClass));
        String points = lines.isEmpty() ? null : lines.get(0).getDomAttribute("points");
        if (points == null || points.isBlank()) {
            return List.of();
        }
        return java.util.Arrays.stream(points.trim().split("\\s+"))
                .map(p -> java.util.Arrays.stream(p.split(",")).mapToDouble(Double::parseDouble).toArray()).toList();
    }

    private long otherErrors() {
        var m = java.util.regex.Pattern.compile("(\\d+) other errors").matcher(text("history-summary"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private WebElement el(String id) {
        return browser.findElement(By.id(id));
    }

    private String text(String id) {
        return el(id).getText().trim();
    }

    private boolean visible(String id) {
        return el(id).isDisplayed();
    }

    private double progress() {
        return Double.parseDouble(el("run-progress").getDomProperty("value"));
    }

    private List<WebElement> rows(String tableId) {
        return el(tableId).findElements(By.cssSelector("tbody tr"));
    }

    private void type(String id, String value) {
        el(id).clear();
        el(id).sendKeys(value);
    }

    private static void waitFor(Duration timeout, Function<WebDriver, Boolean> condition) {
        new WebDriverWait(browser, timeout, Duration.ofMillis(100)).until(condition);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
