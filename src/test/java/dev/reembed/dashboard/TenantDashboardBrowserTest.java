package dev.reembed.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.reembed.tenant.TenantProfile;
import dev.reembed.testing.OperatorKey;
import dev.reembed.testing.TestDb;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The tenant overview and a tenant's page in a real browser: the companies with their targets,
 * versions and reasons to be skipped, and, one click on, the page of that tenant's own store.
 */
@QuarkusTest
@TestProfile(TenantProfile.class)
class TenantDashboardBrowserTest {

    @Inject
    AgroalDataSource db;

    @TestHTTPResource("/")
    URL page;

    static WebDriver browser;

    @BeforeAll
    static void openBrowser() throws IOException {
        browser = DashboardBrowserTest.chromium();
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void theOverviewListsTheTenantsAndATenantsPageShowsItsOwnStore() {
        browser.get(page.toString());
        browser.findElement(By.id("api-key")).sendKeys(OperatorKey.KEY);
        browser.findElement(By.id("key-form")).submit();
        waitFor(b -> b.findElement(By.id("tenants")).isDisplayed() && !rows().isEmpty());
        WebElement ghost = row("ghost");
        assertThat(ghost.getText()).contains("does not exist");
        assertThat(ghost.findElements(By.tagName("a"))).as("a skipped tenant has no page").isEmpty();
        WebElement acme = row("acme");
        assertThat(acme.getText()).contains("Acme").contains("gemini-embedding-001 @1536")
                .contains(TestDb.embeddingType(db, "acme"));

        acme.findElement(By.tagName("a")).click();
        waitFor(b -> b.getCurrentUrl().endsWith("?tenant=acme") && !"–".equals(b.findElement(By.id("mig-column")).getText().trim()));
        assertThat(browser.findElement(By.id("store-name")).getText()).isEqualTo("acme");
        assertThat(browser.findElement(By.id("mig-column")).getText()).contains(TestDb.embeddingType(db, "acme"));
        assertThat(browser.findElement(By.id("online")).isDisplayed()).as("the online migration is the service's own").isFalse();
        assertThat(browser.findElement(By.id("tenants")).isDisplayed()).isFalse();
    }

    private List<WebElement> rows() {
        return browser.findElements(By.cssSelector("#tenant-rows tr"));
    }

    private WebElement row(String schema) {
        return browser.findElement(By.cssSelector("#tenant-rows tr[data-schema='" + schema + "']"));
    }

    private static void waitFor(java.util.function.Function<WebDriver, Boolean> condition) {
        new WebDriverWait(browser, Duration.ofSeconds(20), Duration.ofMillis(100)).until(condition);
    }
}
