//! The API contract: the OpenAPI document is valid OpenAPI 3.1, and every JSON answer
//! the suite receives matches the document's schema for its (method, path template,
//! status), so the document cannot drift from the code.
//!
//! Every answer passes through [`assert_answer`]: [`TestApp::call`](crate::helpers::TestApp::call)
//! checks what it reads, and the suite's own requests go through [`Http`], a client whose
//! `send` checks the answer before the test sees it (an event stream by its status, since
//! its body never ends). There is no unchecked client in [`TestApp`]. The schemas come
//! from the same `openapi()` the server serves, built once per test process; a validator
//! is compiled once per (method, template, status).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tadhkira_server::routes::openapi::{openapi, ROUTES};

use crate::helpers::{Db, TestApp};
use crate::on_both;

/// The document and the validators made from it so far.
pub struct Contract {
    doc: Value,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

/// JSON Pointer escaping of one path segment (`/` and `~`).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

impl Contract {
    /// The contract of this build of the server.
    pub fn get() -> &'static Contract {
        static CONTRACT: OnceLock<Contract> = OnceLock::new();
        CONTRACT.get_or_init(|| Contract {
            doc: openapi(),
            validators: Mutex::new(HashMap::new()),
        })
    }

    /// The route template that `path` (no query) is an instance of; a literal segment
    /// beats a parameter when two templates match.
    fn template(path: &str) -> Option<&'static str> {
        let segments: Vec<&str> = path.split('/').collect();
        ROUTES
            .iter()
            .map(|r| r.path)
            .filter(|t| {
                let parts: Vec<&str> = t.split('/').collect();
                parts.len() == segments.len()
                    && parts.iter().zip(&segments).all(|(t, s)| {
                        t == s || (t.starts_with('{') && t.ends_with('}') && !s.is_empty())
                    })
            })
            .max_by_key(|t| t.split('/').filter(|s| !s.starts_with('{')).count())
    }

    /// A validator for the schema at `pointer` in the document, whose references to
    /// `#/components/schemas/…` resolve to the document's components.
    fn validator(&self, pointer: &str) -> Result<Arc<jsonschema::Validator>, String> {
        let mut cache = self.validators.lock().unwrap();
        if let Some(v) = cache.get(pointer) {
            return Ok(v.clone());
        }
        let schema = self
            .doc
            .pointer(pointer)
            .ok_or_else(|| format!("the document has nothing at {pointer}"))?;
        // The schema on its own, with the components beside it as `$defs`.
        let text = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "allOf": [schema],
            "$defs": self.doc["components"]["schemas"],
        })
        .to_string()
        .replace("\"#/components/schemas/", "\"#/$defs/");
        let schema: Value = serde_json::from_str(&text).unwrap();
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|e| format!("the schema at {pointer} does not compile: {e}"))?;
        let validator = Arc::new(validator);
        cache.insert(pointer.to_owned(), validator.clone());
        Ok(validator)
    }

    /// Checks one answer: `Err` says which request, which schema and what differs.
    pub fn check(&self, method: &str, path: &str, status: u16, body: &Value) -> Result<(), String> {
        let method = method.to_lowercase();
        let path = path.split('?').next().unwrap_or(path);
        let request = format!("{} {path} answered {status}", method.to_uppercase());
        let operation = Self::template(path)
            .map(|t| (t, &self.doc["paths"][t][&method]))
            .filter(|(_, op)| op.is_object());
        let pointer = match operation {
            Some((template, op)) => {
                let responses = &op["responses"];
                let Some(answer) = responses.get(status.to_string()) else {
                    let listed: Vec<&String> = responses
                        .as_object()
                        .map(|r| r.keys().collect())
                        .unwrap_or_default();
                    return Err(format!(
                        "{request}, a status the document does not list for {method} {template} (it lists {listed:?}); body: {body}"
                    ));
                };
                let Some(content) = answer.get("content") else {
                    return if body.is_null() {
                        Ok(())
                    } else {
                        Err(format!(
                            "{request} with a body, where the document says none: {body}"
                        ))
                    };
                };
                if content.get("application/json").is_none() {
                    // HTML, script, styles, an event stream: not JSON to validate.
                    return Ok(());
                }
                format!(
                    "/paths/{}/{method}/responses/{status}/content/application~1json/schema",
                    escape(template)
                )
            }
            // A path or method the API does not have: the fallback's error.
            None if matches!(status, 400 | 404) => "/components/schemas/ApiError".into(),
            None => {
                return Err(format!(
                    "{request}, but the document has no such operation; body: {body}"
                ))
            }
        };
        let validator = self.validator(&pointer)?;
        let errors: Vec<String> = validator
            .iter_errors(body)
            .take(5)
            .map(|e| format!("at {:?}: {e}", e.instance_path().to_string()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            let mut shown = body.to_string();
            if shown.len() > 2000 {
                shown = format!("{}…", shown.chars().take(2000).collect::<String>());
            }
            Err(format!(
                "{request}, which does not match the document's schema {pointer}: {}; body: {shown}",
                errors.join("; ")
            ))
        }
    }
}

/// Fails the test when an answer does not match the document. `url` may be a full URL
/// or a path; only its path counts.
pub fn assert_answer(method: &str, url: &str, status: StatusCode, body: &Value) {
    let path = match url.find("://") {
        Some(i) => url[i + 3..].find('/').map_or("/", |p| &url[i + 3 + p..]),
        None => url,
    };
    if let Err(e) = Contract::get().check(method, path, status.as_u16(), body) {
        panic!("the answer breaks the API contract: {e}");
    }
}

/// A reqwest client whose answers are checked against the contract: what a test gets
/// from [`Req::send`] has already passed [`assert_answer`]. Builds like reqwest's own.
#[derive(Clone, Default)]
pub struct Http(reqwest::Client);

impl From<reqwest::Client> for Http {
    fn from(client: reqwest::Client) -> Http {
        Http(client)
    }
}

impl Http {
    pub fn request(&self, method: Method, url: impl AsRef<str>) -> Req {
        let url = url.as_ref().to_owned();
        Req {
            inner: self.0.request(method.clone(), &url),
            method,
            url,
        }
    }

    pub fn get(&self, url: impl AsRef<str>) -> Req {
        self.request(Method::GET, url)
    }

    pub fn post(&self, url: impl AsRef<str>) -> Req {
        self.request(Method::POST, url)
    }

    pub fn put(&self, url: impl AsRef<str>) -> Req {
        self.request(Method::PUT, url)
    }
}

/// A request being built; [`Req::send`] checks the answer.
pub struct Req {
    inner: reqwest::RequestBuilder,
    method: Method,
    url: String,
}

impl Req {
    pub fn bearer_auth(self, token: impl std::fmt::Display) -> Req {
        Req {
            inner: self.inner.bearer_auth(token),
            ..self
        }
    }

    pub fn header(self, name: impl AsRef<str>, value: impl AsRef<str>) -> Req {
        Req {
            inner: self.inner.header(name.as_ref(), value.as_ref()),
            ..self
        }
    }

    pub fn json(self, body: &impl serde::Serialize) -> Req {
        Req {
            inner: self.inner.json(body),
            ..self
        }
    }

    pub fn body(self, body: impl Into<reqwest::Body>) -> Req {
        Req {
            inner: self.inner.body(body),
            ..self
        }
    }

    pub fn timeout(self, timeout: std::time::Duration) -> Req {
        Req {
            inner: self.inner.timeout(timeout),
            ..self
        }
    }

    /// Sends the request and checks the answer against the contract before handing it
    /// over: a body is read whole, checked, and given back unchanged; an event stream is
    /// checked by its status and handed over live.
    pub async fn send(self) -> reqwest::Result<reqwest::Response> {
        let resp = self.inner.send().await?;
        let status = resp.status();
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        if content_type.starts_with("text/event-stream") {
            assert_answer(self.method.as_str(), &self.url, status, &Value::Null);
            return Ok(resp);
        }
        let version = resp.version();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await?;
        let body = if bytes.is_empty() {
            Value::Null
        } else if content_type.contains("json") {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{} {} answered {status} with content-type {content_type} but a body that is not JSON ({e}): {}",
                    self.method,
                    self.url,
                    String::from_utf8_lossy(&bytes)
                )
            })
        } else {
            // HTML, a script, a file: the contract checks its status and that the
            // document does not promise JSON there.
            Value::Null
        };
        assert_answer(self.method.as_str(), &self.url, status, &body);
        let mut rebuilt = axum::http::Response::new(bytes);
        *rebuilt.status_mut() = status;
        *rebuilt.version_mut() = version;
        *rebuilt.headers_mut() = headers;
        Ok(reqwest::Response::from(rebuilt))
    }
}

/// The vendored OpenAPI 3.1 schemas (tests/schemas/oas-3.1), by their `$id`.
fn oas_registry() -> jsonschema::Registry<'static> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/schemas/oas-3.1");
    let mut registry = jsonschema::Registry::new();
    for file in ["schema", "schema-base", "dialect", "meta"] {
        let text = std::fs::read_to_string(format!("{dir}/{file}.json")).expect(file);
        let schema: Value = serde_json::from_str(&text).expect(file);
        let id = schema["$id"].as_str().expect("$id").to_owned();
        registry = registry.add(id, schema).expect(file);
    }
    registry.prepare().expect("the OpenAPI schemas load")
}

fn oas_validator(registry: &jsonschema::Registry<'static>) -> jsonschema::Validator {
    jsonschema::options()
        .with_registry(registry)
        .should_validate_formats(true)
        .build(&json!({
            "$ref": "https://spec.openapis.org/oas/3.1/schema-base/WORK-IN-PROGRESS"
        }))
        .expect("the OpenAPI 3.1 schema compiles")
}

#[test]
fn the_document_is_valid_openapi_3_1() {
    let registry = oas_registry();
    let validator = oas_validator(&registry);
    let doc = openapi();
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // Each schema is a JSON Schema 2020-12 schema in its own right.
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        let mut schema = schema.clone();
        schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        assert!(jsonschema::meta::is_valid(&schema), "{name}: {schema}");
    }
}

#[test]
fn the_openapi_validator_refuses_a_broken_document() {
    // The check above can fail: a document missing its info, with a bad status key and
    // a parameter without `in`, is refused.
    let registry = oas_registry();
    let validator = oas_validator(&registry);
    let mut doc = openapi();
    assert!(validator.is_valid(&doc));
    doc.as_object_mut().unwrap().remove("info");
    assert!(!validator.is_valid(&doc));
    let mut doc = openapi();
    doc["paths"]["/api/v1/me"]["get"]["responses"]["2000"] = json!({"description": "x"});
    assert!(!validator.is_valid(&doc));
    let mut doc = openapi();
    doc["paths"]["/api/v1/people"]["get"]["parameters"][0]
        .as_object_mut()
        .unwrap()
        .remove("in");
    assert!(!validator.is_valid(&doc));
}

#[test]
fn a_wrong_answer_fails_the_check_with_the_path_and_the_error() {
    let contract = Contract::get();
    // A `Me` whose user is a number.
    let err = contract
        .check(
            "GET",
            "/api/v1/me",
            200,
            &json!({"user": 5, "organisation": null}),
        )
        .unwrap_err();
    assert!(err.contains("GET /api/v1/me answered 200"), "{err}");
    assert!(err.contains("/user"), "{err}");
    // A ticket whose status is not a status, found through the path template.
    let id = uuid::Uuid::now_v7();
    let err = contract
        .check(
            "get",
            &format!("/api/v1/tickets/{id}"),
            200,
            &json!({"ticket": {"status": "lost"}, "messages": [], "events": []}),
        )
        .unwrap_err();
    assert!(
        err.contains("/api/v1/tickets/{id}") || err.contains("tickets"),
        "{err}"
    );
    // A status the route does not list.
    let err = contract
        .check(
            "get",
            "/api/v1/me",
            418,
            &json!({"code": "invalid", "message": "x"}),
        )
        .unwrap_err();
    assert!(err.contains("does not list"), "{err}");
    // An error code its status does not carry: 401 is never `busy`.
    let err = contract
        .check(
            "get",
            "/api/v1/me",
            401,
            &json!({"code": "busy", "message": "x"}),
        )
        .unwrap_err();
    assert!(err.contains("/code"), "{err}");
    // A body where the document says there is none.
    assert!(contract
        .check("post", "/api/v1/auth/logout", 204, &json!({"ok": true}))
        .is_err());
    // And the right answers pass.
    contract
        .check(
            "get",
            "/api/v1/me",
            401,
            &json!({"code": "unauthorized", "message": "x"}),
        )
        .unwrap();
    contract
        .check(
            "get",
            "/nowhere",
            404,
            &json!({"code": "not_found", "message": "x"}),
        )
        .unwrap();
}

async fn the_reference_page_is_served_with_its_script_under_a_strict_policy(db: Db) {
    let app = TestApp::spawn(db).await;
    let base = app.server.url();
    let page = app
        .http
        .get(format!("{base}/api/docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = page.text().await.unwrap();
    // Everything it loads comes from this server; nothing inline.
    assert!(html.contains("<script src=\"/api/docs/docs.js\""), "{html}");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    for (asset, kind) in [("docs.js", "text/javascript"), ("docs.css", "text/css")] {
        let resp = app
            .http
            .get(format!("{base}/api/docs/{asset}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{asset}");
        assert!(resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with(kind));
        let text = resp.text().await.unwrap();
        assert!(!text.contains("innerHTML"), "{asset}");
        if asset == "docs.js" {
            assert!(text.contains("/api/v1/openapi.json"));
        }
    }
    // The document it renders is the one the tests validate against.
    let (s, doc) = app.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc, openapi());

    // What a person sees: the page as a real browser renders it under its policy
    // (Chromium, which `cargo xtask setup` installs for the browser tests).
    let dom = rendered_dom(&format!("{base}/api/docs")).await;
    assert!(
        dom.contains("data-rendered=\"true\""),
        "the script did not finish: {dom}"
    );
    assert!(
        !dom.contains("[object"),
        "an element was written as text: {dom}"
    );
    for route in ROUTES {
        assert!(
            dom.contains(route.path),
            "{} is not on the page",
            route.path
        );
    }
    app.finish().await;
}
on_both!(the_reference_page_is_served_with_its_script_under_a_strict_policy);

/// The DOM of `url` after Chromium ran its scripts (headless, its network only to this
/// machine).
async fn rendered_dom(url: &str) -> String {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("Chromium is needed (cargo xtask setup installs it)");
    let profile = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
