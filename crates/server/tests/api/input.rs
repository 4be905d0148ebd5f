//! Bad input gets a clear 4xx JSON answer — never a 500, never a panic.

use reqwest::{Method, StatusCode};
use serde_json::json;
use tadhkira_proto::MAX_PUSH_BATCH;
use uuid::Uuid;

use crate::helpers::{m, Db, TestApp};
use crate::on_both;

async fn bad_input_is_answered_with_a_clear_4xx(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let token = Some(c.customer_a.token.as_str());
    let ticket = |title: String, priority: &str| json!({"id": Uuid::now_v7(), "title": title, "description": "d", "priority": priority, "channel": "desktop"});
    // Oversized body.
    let huge = ticket("x".repeat(2 * 1024 * 1024), "low");
    let (s, body) = app.call(Method::POST, "/tickets", token, Some(huge)).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")),
        "{body}"
    );
    // Oversized batch.
    let batch: Vec<_> = (0..=MAX_PUSH_BATCH)
        .map(|i| m::envelope(m::new_ticket(Uuid::now_v7(), &format!("Ticket {i}"), None)))
        .collect();
    let (s, body) = app
        .call(
            Method::POST,
            "/sync/push",
            token,
            Some(json!({"client_id": Uuid::now_v7(), "mutations": batch})),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("too_large")),
        "{body}"
    );
    // Oversized title, blank title.
    for title in ["t".repeat(201), "  ".into()] {
        let (s, body) = app
            .call(Method::POST, "/tickets", token, Some(ticket(title, "low")))
            .await;
        assert_eq!(
            (s, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid")),
            "{body}"
        );
        assert!(
            body["message"].as_str().unwrap().contains("title"),
            "{body}"
        );
    }
    // Unknown enum word.
    let (s, body) = app
        .call(
            Method::POST,
            "/tickets",
            token,
            Some(ticket("Fine title".into(), "critical")),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid")),
        "{body}"
    );
    // Malformed JSON, wrong content type, empty body.
    for (content_type, raw) in [
        ("application/json", "{\"id\": "),
        ("text/plain", "{}"),
        ("application/json", ""),
    ] {
        let resp = app
            .http
            .post(app.url("/sync/push"))
            .bearer_auth(&c.customer_a.token)
            .header("content-type", content_type)
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::BAD_REQUEST,
            "{content_type} {raw:?}"
        );
        let body: serde_json::Value = resp.json().await.expect("a JSON error body");
        assert_eq!(body["code"], "invalid");
    }
    // Bad query and path values.
    for path in [
        "/sync/pull?cursor=abc",
        "/sync/pull?cursor=-1",
        "/sync/pull?limit=0",
        "/tickets?status=lost",
        "/tickets?tier=9",
        "/tickets/not-a-uuid",
        "/tickets?limit=100000",
    ] {
        let (s, body) = app.get(&c.agent, path).await;
        assert_eq!(
            (s, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid")),
            "{path}: {body}"
        );
    }
    // Unknown route and method.
    let (s, body) = app.get(&c.agent, "/nowhere").await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (s, body) = app.call(Method::DELETE, "/tickets", token, None).await;
    assert!(
        s.is_client_error() && body["code"].is_string(),
        "{s} {body}"
    );
    // NUL characters (PostgreSQL cannot store them) and overlong contact details.
    for contact in [
        json!({"name": "Sa\u{0}ra"}),
        json!({"phone": "1".repeat(300)}),
    ] {
        let mut t = ticket("Contact check".into(), "low");
        t["contact"] = contact;
        let (s, body) = app.call(Method::POST, "/tickets", token, Some(t)).await;
        assert_eq!(
            (s, body["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid")),
            "{body}"
        );
    }
    let mut t = ticket("System info check".into(), "low");
    t["system_info"] = json!("OS\u{0}");
    assert_eq!(
        app.call(Method::POST, "/tickets", token, Some(t)).await.0,
        StatusCode::BAD_REQUEST
    );
    let login =
        json!({"email": c.agent.email, "password": "password1", "device": "laptop\u{0}\u{7}"});
    assert_eq!(
        app.call(Method::POST, "/auth/login", None, Some(login))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        app.get(&c.agent, "/tickets?q=a%00b").await.0,
        StatusCode::OK
    );
    // The server is still fine.
    assert_eq!(app.get(&c.agent, "/tickets").await.0, StatusCode::OK);
    app.finish().await;
}
on_both!(bad_input_is_answered_with_a_clear_4xx);

async fn no_junk_on_any_route_gets_a_500(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let t = Uuid::now_v7();
    app.push(
        &c.customer_a,
        &[m::envelope(m::new_ticket(t, "Target ticket", None))],
    )
    .await;
    let junk = [
        json!(null),
        json!([]),
        json!(12),
        json!("text"),
        json!({"id": "not-a-uuid"}),
        json!({"mutations": {"a": 1}, "client_id": 5}),
        json!({"client_id": Uuid::now_v7(), "mutations": [{"id": Uuid::now_v7(), "mutation": {"type": "escalate", "data": {"ticket_id": t, "to_tier": 9, "reason": ""}}}]}),
        json!({"changes": [{"value": {"field": "colour", "value": "red"}, "seen_version": 1}]}),
        json!({"changes": [{"value": {"field": "status", "value": "open"}, "seen_version": 1e300}]}),
        json!({"to_tier": -1, "reason": "x"}),
        json!({"email": "", "password": null}),
        json!({"id": Uuid::now_v7(), "ticket_id": t, "body": "x".repeat(20_001), "visibility": "public"}),
    ];
    for route in tadhkira_server::routes::openapi::ROUTES {
        let (method, path) = (route.method, route.path);
        // Streams never end, and signing out would leave the rest unauthenticated.
        if path.ends_with("/events") || path.ends_with("/logout") {
            continue;
        }
        let concrete = path
            .trim_start_matches("/api/v1")
            .replace("{id}", &t.to_string());
        let method: Method = method.to_uppercase().parse().unwrap();
        for who in [&c.customer_a, &c.agent] {
            for body in &junk {
                let (s, answer) = app
                    .call(
                        method.clone(),
                        &concrete,
                        Some(&who.token),
                        Some(body.clone()),
                    )
                    .await;
                assert!(
                    s.as_u16() < 500,
                    "{method} {concrete} {body} -> {s} {answer}"
                );
                if !s.is_success() {
                    assert!(
                        answer["code"].is_string(),
                        "{method} {concrete} {body} -> {s} {answer}"
                    );
                }
            }
        }
    }
    app.finish().await;
}
on_both!(no_junk_on_any_route_gets_a_500);

/// The same bad request, asked in Arabic: the same status and code, the message in Arabic.
async fn error_messages_follow_accept_language(db: Db) {
    let app = TestApp::spawn(db).await;
    let c = app.cast().await;
    let http = crate::contract::Http::default();
    let ask =
        |method: Method, path: &str, language: Option<&str>, body: Option<serde_json::Value>| {
            let mut req = http
                .request(method, app.url(path))
                .bearer_auth(&c.customer_a.token);
            if let Some(l) = language {
                req = req.header(reqwest::header::ACCEPT_LANGUAGE, l);
            }
            if let Some(b) = body {
                req = req.json(&b);
            }
            async move {
                let resp = req.send().await.expect("request");
                let status = resp.status();
                let body: serde_json::Value = resp.json().await.expect("a JSON error body");
                (status, body)
            }
        };
    let cases = [
        (
            Method::GET,
            "/sync/pull?cursor=-1",
            None,
            "cursor must not be negative",
            "يجب ألا يكون المؤشر سالبًا",
        ),
        (
            Method::GET,
            "/no/such/endpoint",
            None,
            "no such endpoint",
            "لا توجد نقطة نهاية بهذا العنوان",
        ),
        (
            Method::POST,
            "/auth/login",
            Some(json!({"email": "a@org-a.example", "password": "wrong"})),
            "wrong e-mail or password",
            "البريد الإلكتروني أو كلمة المرور غير صحيحة",
        ),
    ];
    for (method, path, body, english, arabic) in cases {
        let (s_en, en) = ask(method.clone(), path, None, body.clone()).await;
        let (s_ar, ar) = ask(
            method.clone(),
            path,
            Some("fr-CH, ar-EG;q=0.8, en;q=0.5"),
            body.clone(),
        )
        .await;
        let (s_de, de) = ask(method, path, Some("de"), body).await;
        assert_eq!(en["message"], english, "{path}: {en}");
        assert_eq!(ar["message"], arabic, "{path}: {ar}");
        assert_eq!(de["message"], english, "unsupported → English: {de}");
        assert_eq!((s_ar, &ar["code"]), (s_en, &en["code"]), "{path}");
        assert_eq!((s_de, &de["code"]), (s_en, &en["code"]));
    }
    // A detail from a field check stays (in English) after the code's Arabic message.
    let blank = json!({"id": Uuid::now_v7(), "title": "  ", "description": "d", "priority": "low", "channel": "desktop"});
    let (s, ar) = ask(Method::POST, "/tickets", Some("ar"), Some(blank)).await;
    assert_eq!(
        (s, ar["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid"))
    );
    let message = ar["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("الطلب غير صالح: ") && message.contains("title"),
        "{ar}"
    );
    app.finish().await;
}
on_both!(error_messages_follow_accept_language);
