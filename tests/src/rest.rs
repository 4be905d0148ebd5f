//! A signed-in REST caller for the suites that set a scene over the API before or
//! beside the real app (staff writing articles, a customer filing over REST). Every
//! call must succeed; a refusal fails the test with its status and body.

use reqwest::{Client, RequestBuilder};
use serde_json::{json, Value};

use crate::server::{TestServer, PASSWORD};

/// One user signed in over `POST /api/v1/auth/login` (the demo's password).
pub struct Rest {
    http: Client,
    base: String,
    token: String,
}

impl Rest {
    /// Signs `email` in on `server`.
    pub async fn sign_in(server: &TestServer, email: &str) -> Rest {
        let http = Client::new();
        let base = server.url();
        let answer: Value = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .expect("login")
            .error_for_status()
            .expect("login accepted")
            .json()
            .await
            .expect("login answer");
        let token = answer["token"].as_str().expect("token").to_owned();
        Rest { http, base, token }
    }

    /// The sign-in token (for the wire protocol's calls).
    pub fn token(&self) -> &str {
        &self.token
    }

    async fn send(&self, req: RequestBuilder) -> Value {
        let res = req.bearer_auth(&self.token).send().await.expect("request");
        let status = res.status();
        let body = res.text().await.expect("body");
        assert!(status.is_success(), "{status}: {body}");
        serde_json::from_str(&body).expect("JSON answer")
    }

    /// `GET path` (from `/api/…`).
    pub async fn get(&self, path: &str) -> Value {
        self.send(self.http.get(format!("{}{path}", self.base)))
            .await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.send(self.http.post(format!("{}{path}", self.base)).json(&body))
            .await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch(&self, path: &str, body: Value) -> Value {
        self.send(self.http.patch(format!("{}{path}", self.base)).json(&body))
            .await
    }
}
