//! Users, sign-in, memberships and token revocation.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, assert_field_error, assert_problem};

#[tokio::test]
async fn a_revoked_token_stops_working_at_once() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let (_, t) = app
        .post(
            &app.admin,
            &format!("/api/v1/organizations/{org}/tokens"),
            json!({"name": "máy in", "role": "member"}),
        )
        .await;
    let (token, id) = (t["token"].as_str().unwrap(), t["id"].as_str().unwrap());
    assert_eq!(app.get(token, "/api/v1/me").await.0, StatusCode::OK);

    let (s, _) = app
        .delete(&app.admin, &format!("/api/v1/tokens/{id}"))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, b) = app.get(token, "/api/v1/me").await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "invalid_token");

    // Listing shows the revocation and never the secret.
    let (_, list) = app
        .get(&app.admin, &format!("/api/v1/organizations/{org}/tokens"))
        .await;
    assert!(list["items"][0]["revoked_at"].is_string(), "{list}");
    assert!(!list.to_string().contains(token));
}

#[tokio::test]
async fn requests_without_or_with_a_forged_token_are_unauthorized() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/api/v1/organizations"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["www-authenticate"], "Bearer");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let forged = format!("ocop_{}", "a".repeat(52));
    let (s, b) = app.get(&forged, "/api/v1/organizations").await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "invalid_token");
    let (s, b) = app.get("garbage", "/api/v1/organizations").await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "invalid_token");
}

#[tokio::test]
async fn a_member_signs_in_with_a_password_and_gets_a_token_with_their_role() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let (s, user) = app
        .post(
            &app.admin,
            "/api/v1/users",
            json!({"phone": "0912 345 678", "name": "Chị Lan", "password": "mật khẩu an toàn"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{user}");
    assert_eq!(user["phone"], "+84912345678");
    assert!(user.get("password_hash").is_none());
    let (s, m) = app
        .post(
            &app.admin,
            &format!("/api/v1/organizations/{org}/memberships"),
            json!({"user_id": user["id"], "role": "member"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");

    let (s, t) = app.post_anonymous("/api/v1/auth/tokens", json!({"login": "+84 912 345 678", "password": "mật khẩu an toàn", "organization_id": org, "token_name": "điện thoại"})).await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    assert_eq!(t["role"], "member");
    let token = t["token"].as_str().unwrap().to_owned();
    let (_, me) = app.get(&token, "/api/v1/me").await;
    assert_eq!(
        (me["role"].as_str(), me["organization_id"].as_str()),
        (Some("member"), Some(org.as_str()))
    );

    // Changing the role revokes tokens issued for the old one.
    let (s, _) = app
        .patch(
            &app.admin,
            &format!("/api/v1/memberships/{}", m["id"].as_str().unwrap()),
            json!({"role": "inspector"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        app.get(&token, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, t) = app
        .post_anonymous(
            "/api/v1/auth/tokens",
            json!({"login": "0912345678", "password": "mật khẩu an toàn", "organization_id": org}),
        )
        .await;
    assert_eq!(t["role"], "inspector");

    // Removing the member revokes the rest and stops new sign-ins to that organization.
    let (s, _) = app
        .delete(
            &app.admin,
            &format!("/api/v1/memberships/{}", m["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(t["token"].as_str().unwrap(), "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    let (s, b) = app
        .post_anonymous(
            "/api/v1/auth/tokens",
            json!({"login": "0912345678", "password": "mật khẩu an toàn", "organization_id": org}),
        )
        .await;
    assert_problem(s, &b, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_login_look_the_same() {
    let app = TestApp::spawn().await;
    let (s, _) = app
        .post(
            &app.admin,
            "/api/v1/users",
            json!({"email": "lan@htx.vn", "name": "Lan", "password": "correct horse"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s1, b1) = app
        .post_anonymous(
            "/api/v1/auth/tokens",
            json!({"login": "lan@htx.vn", "password": "wrong horse"}),
        )
        .await;
    let (s2, b2) = app
        .post_anonymous(
            "/api/v1/auth/tokens",
            json!({"login": "nobody@htx.vn", "password": "wrong horse"}),
        )
        .await;
    assert_problem(s1, &b1, StatusCode::UNAUTHORIZED, "invalid_credentials");
    assert_problem(s2, &b2, StatusCode::UNAUTHORIZED, "invalid_credentials");
    assert_eq!(b1["detail"], b2["detail"]);
}

#[tokio::test]
async fn user_accounts_need_a_login_and_a_long_enough_password() {
    let app = TestApp::spawn().await;
    let (s, b) = app
        .post(
            &app.admin,
            "/api/v1/users",
            json!({"name": "Lan", "password": "short"}),
        )
        .await;
    assert_field_error(s, &b, "password", "password_too_short");
    let (s, b) = app
        .post(
            &app.admin,
            "/api/v1/users",
            json!({"name": "Lan", "password": "long enough"}),
        )
        .await;
    assert_field_error(s, &b, "email", "login_required");
    app.post(
        &app.admin,
        "/api/v1/users",
        json!({"email": "lan@htx.vn", "name": "Lan", "password": "long enough"}),
    )
    .await;
    let (s, b) = app
        .post(
            &app.admin,
            "/api/v1/users",
            json!({"email": "LAN@htx.vn", "name": "Lan 2", "password": "long enough"}),
        )
        .await;
    assert_problem(s, &b, StatusCode::CONFLICT, "email_taken");
}

async fn guess(base: &str, login: &str, password: &str, org: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/tokens"))
        .json(&json!({"login": login, "password": password, "organization_id": org}))
        .send()
        .await
        .unwrap()
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// 60 wrong passwords in 3.9 s all got 401, then the right one 201. Now a login takes
/// PER_LOGIN wrong passwords in a window, counted in the database: every node and the console
/// see the same count, and the answer says when to come back.
#[tokio::test]
async fn password_guessing_is_limited_per_login_and_address_on_every_node_and_front_end() {
    use ocop_trace::services::sign_in_limits::{PER_ADDRESS, PER_LOGIN, WINDOW};
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let login = crate::console::member(&app, &org, "0912000001", "member").await;
    let other = crate::console::member(&app, &org, "0912000002", "member").await;
    for _ in 0..PER_LOGIN {
        let res = guess(&app.address, &login, "đoán mò", &org).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // Past the limit even the right password waits, and is not checked at all.
    let res = guess(&app.address, &login, "mật khẩu an toàn", &org).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&res);
    assert!(
        (1..=WINDOW.num_seconds() as u64 + 1).contains(&wait),
        "{wait}"
    );
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    // Another node on the same database counts the same failures.
    let node_b = app.second_server().await;
    let res = guess(&node_b, &login, "mật khẩu an toàn", &org).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // So does the console's sign-in form.
    let mut b = crate::console::Browser::new(&app);
    let p = b.sign_in(&login, "mật khẩu an toàn").await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(p.body.contains("Bạn đã thử quá nhiều lần"), "{}", p.body);
    // Another person at the same address is not locked out by it.
    let res = guess(&app.address, &other, "mật khẩu an toàn", &org).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    // One address spreading guesses over many logins meets the address's limit.
    let mut limited = None;
    for i in 0..PER_ADDRESS {
        let res = guess(&app.address, &format!("09130000{i:02}"), "đoán mò", &org).await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(i);
            break;
        }
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    // PER_LOGIN failures were already counted against the address.
    assert_eq!(limited, Some(PER_ADDRESS - PER_LOGIN));

    // When the window has passed, the right password works again.
    let past = chrono::Utc::now() - WINDOW - chrono::TimeDelta::seconds(1);
    app.sql(
        "UPDATE sign_in_failures SET window_start = $1",
        vec![past.into()],
    )
    .await;
    let res = guess(&app.address, &login, "mật khẩu an toàn", &org).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

/// Tokens exchanged for a password expire (30 days by default); tokens an owner creates live
/// until revoked.
#[tokio::test]
async fn a_token_exchanged_for_a_password_expires() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX").await;
    let login = crate::console::member(&app, &org, "0912000003", "member").await;
    let res = guess(&app.address, &login, "mật khẩu an toàn", &org).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let t: serde_json::Value = res.json().await.unwrap();
    let expires: chrono::DateTime<chrono::Utc> = t["expires_at"].as_str().unwrap().parse().unwrap();
    let days = (expires - chrono::Utc::now()).num_hours();
    assert!((29 * 24..=30 * 24).contains(&days), "{t}");
    let token = t["token"].as_str().unwrap();
    assert_eq!(app.get(token, "/api/v1/me").await.0, StatusCode::OK);
    let past = chrono::Utc::now() - chrono::TimeDelta::seconds(1);
    app.sql(
        "UPDATE api_tokens SET expires_at = $1 WHERE expires_at IS NOT NULL",
        vec![past.into()],
    )
    .await;
    let (s, b) = app.get(token, "/api/v1/me").await;
    assert_problem(s, &b, StatusCode::UNAUTHORIZED, "invalid_token");
    // The administrator's token (made by the operator) has no end.
    assert_eq!(app.get(&app.admin, "/api/v1/me").await.0, StatusCode::OK);
}

/// Nobody becomes a member without agreeing: an organization's owner cannot add an existing
/// account by its id (403); an invitation of that account does not add it either until it is
/// accepted with the account's own password, and guessing that password is limited like a
/// sign-in (429 after the limit, even with the right password).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_account_joins_an_organization_only_by_accepting() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Chè Thái Nguyên").await;
    let owner = app.token_for(&org, "owner").await;
    let (s, user) = app
        .post(
            &app.admin,
            "/api/v1/users",
            json!({"phone": "0912 000 111", "name": "Chị Mai", "password": "mật khẩu của Mai"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{user}");
    let (s, body) = app
        .post(
            &owner,
            &format!("/api/v1/organizations/{org}/memberships"),
            json!({"user_id": user["id"], "role": "owner"}),
        )
        .await;
    assert_problem(s, &body, StatusCode::FORBIDDEN, "forbidden");
    let (_, members) = app
        .get(&owner, &format!("/api/v1/organizations/{org}/memberships"))
        .await;
    assert_eq!(members["items"].as_array().unwrap().len(), 0, "{members}");

    // The command-line invitation gives a link; accepting needs Mai's own password.
    let out = crate::cli::ocop_trace(&app)
        .args([
            "invite",
            "--organization",
            &org,
            "--login",
            "0912000111",
            "--name",
            "Mai",
            "--role",
            "member",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let link = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let path = link.strip_prefix("http://trace.test").unwrap().to_owned();
    let accept = |password: &'static str| {
        let (client, url) = (app.client.clone(), app.url(&path));
        async move {
            client
                .post(url)
                .form(&[("password", password)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for _ in 0..10 {
        assert_eq!(accept("đoán mò").await, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(
        accept("mật khẩu của Mai").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let (_, members) = app
        .get(&owner, &format!("/api/v1/organizations/{org}/memberships"))
        .await;
    assert_eq!(members["items"].as_array().unwrap().len(), 0, "{members}");
}
