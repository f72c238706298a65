// Validates Kubernetes manifests against the Kubernetes OpenAPI schemas, as generated into
// kubernetes-models (ajv underneath). Usage: node validate.mjs file.yaml [...]
// Exits non-zero on any invalid document, unknown kind, or parse error. Before the real files it
// checks that a broken Deployment IS rejected, so a validator that accepts everything cannot pass.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const path = `kubernetes-models/${group ? group + "/" : ""}${version}/${kind}`;
  try {
    const module = await import(path);
    return module[kind];
  } catch (e) {
    throw new Error(`no schema for ${apiVersion} ${kind}`);
  }
}

async function validate(doc) {
  if (!doc || typeof doc !== "object" || !doc.apiVersion || !doc.kind) {
    throw new Error("not a Kubernetes object (apiVersion and kind are required)");
  }
  const Model = await modelFor(doc.apiVersion, doc.kind);
  new Model(doc).validate(); // throws with the schema's errors
}

// Self-check: these must fail.
const broken = [
  { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { replicas: "two", selector: {}, template: {} } },
  { apiVersion: "v1", kind: "Service", metadata: { name: "x" }, spec: { ports: [{ port: "http" }] } },
  { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "x" }, spec: { minAvailable: { a: 1 } } },
];
for (const doc of broken) {
  let rejected = false;
  try {
    await validate(doc);
  } catch {
    rejected = true;
  }
  if (!rejected) {
    console.error(`validator self-check failed: a broken ${doc.kind} was accepted`);
    process.exit(2);
  }
}

let failures = 0;
let checked = 0;
for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  for (const d of docs) {
    if (d.errors.length) {
      console.error(`${file}: YAML error: ${d.errors[0].message}`);
      failures++;
      continue;
    }
    const obj = d.toJSON();
    if (obj === null) continue;
    try {
      await validate(obj);
      checked++;
      console.log(`ok   ${file}: ${obj.kind} ${obj.metadata?.name}`);
    } catch (e) {
      failures++;
      console.error(`FAIL ${file}: ${obj.kind} ${obj.metadata?.name}: ${e.message}`);
    }
  }
}
console.log(`${checked} passed, ${failures} failed`);
process.exit(failures === 0 && checked > 0 ? 0 : 1);
