//! Members and accounts in the console through real HTTP: an owner invites a new person, who
//! opens the one-time link and chooses a password; an existing person joins only by accepting
//! with their own password, then switches organization; roles change; a password change ends
//! the other sessions.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::json;

use crate::console::{Browser, csrf, member};
use crate::helpers::TestApp;

const PASSWORD: &str = "mật khẩu an toàn";

/// Posts the members page's invitation form.
async fn invite(
    b: &mut Browser<'_>,
    csrf: &str,
    login: &str,
    name: &str,
    role: &str,
) -> crate::console::Page {
    let form = [
        ("csrf", csrf),
        ("login", login),
        ("name", name),
        ("role", role),
    ];
    b.post("/console/members", &form, HeaderMap::new()).await
}

#[tokio::test]
async fn an_owner_invites_people_who_join_by_link_and_roles_hold() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Nước mắm Phú Quốc").await;
    let owner = member(&app, &org, "0966666660", "owner").await;
    let mut o = Browser::new(&app);
    o.sign_in(&owner, PASSWORD).await;
    let p = o.get("/console/members").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("Người 0966666660") && p.body.contains("Mời thành viên"));
    let token = csrf(&p.body);

    // Mistakes in place, what was typed kept.
    let p = invite(&mut o, &token, "số lạ", "Anh Tư", "member").await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Nhập số điện thoại (ví dụ 0912345678)"));
    assert!(p.body.contains(r#"value="Anh Tư""#));

    // A new person: a one-time link, shown once.
    let p = invite(&mut o, &token, "0966 666 661", "Anh Tư", "member").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let at = p.body.find("/console/invitations/").expect("the link");
    let link = p.body[at..].split('<').next().unwrap().to_owned();
    assert!(p.body.contains("Lời mời chưa nhận") && p.body.contains("Anh Tư"));
    let p = o.get("/console/members").await;
    assert!(!p.body.contains(&link), "the link is not shown again");

    // The invited person opens the link, without any session.
    let mut tu = Browser::new(&app);
    let p = tu.get(&link).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("Lời mời tham gia HTX Nước mắm Phú Quốc"));
    assert!(p.body.contains("0966 666 661"), "{}", p.body);
    // Password managers offer to make one, not to fill an old one.
    assert!(
        p.body
            .contains(r#"type="password" autocomplete="new-password""#),
        "{}",
        p.body
    );
    let p = tu
        .post(&link, &[("password", "ngắn")], HeaderMap::new())
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Mật khẩu từ 8 đến 128 ký tự"));
    let p = tu
        .post(
            &link,
            &[("password", "cá cơm Phú Quốc 40 độ đạm")],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("Xong!"));
    // Once only.
    assert_eq!(tu.get(&link).await.status, StatusCode::NOT_FOUND);
    let p = tu
        .post(
            &link,
            &[("password", "một mật khẩu khác hẳn")],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = tu.sign_in("0966666661", "cá cơm Phú Quốc 40 độ đạm").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let p = tu.get("/console/members").await;
    assert!(p.body.contains("Chỉ chủ sở hữu mời thành viên"));
    assert!(!p.body.contains(r#"action="/console/members""#));
    let theirs = csrf(&p.body);
    let p = invite(&mut tu, &theirs, "0966666669", "X", "owner").await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Chỉ chủ sở hữu"));

    // The owner makes them an inspector: their session ends (it carried the old role).
    let (_, members) = app
        .get(
            &app.admin,
            &format!("/api/v1/organizations/{org}/memberships"),
        )
        .await;
    let tu_membership = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "member")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = o
        .post(
            &format!("/console/members/{tu_membership}/role"),
            &[("csrf", &token), ("role", "inspector")],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let p = tu.get("/console").await;
    assert_eq!(p.location.as_deref(), Some("/console/sign-in"));

    // A person with an account elsewhere is not added by the invitation alone: they join when
    // they open its link and confirm with their own password (guesses limited like a sign-in).
    let other = app.create_organization("HTX Hồ tiêu Phú Quốc").await;
    let nam = member(&app, &other, "0966666662", "manager").await;
    let p = invite(&mut o, &token, &nam, "Anh Năm", "manager").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let at = p.body.find("/console/invitations/").expect("the link");
    let link = p.body[at..].split('<').next().unwrap().to_owned();
    let mut n = Browser::new(&app);
    n.sign_in(&nam, PASSWORD).await;
    let p = n.get("/console/account").await;
    assert!(
        !p.body.contains("Chuyển sang HTX Nước mắm Phú Quốc"),
        "not a member before accepting"
    );
    let mut stranger_tab = Browser::new(&app);
    let p = stranger_tab.get(&link).await;
    assert!(p.body.contains("Bạn đã có tài khoản"), "{}", p.body);
    let p = stranger_tab
        .post(
            &link,
            &[("password", "đoán thử một mật khẩu")],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body.contains("Mật khẩu hiện tại không đúng"),
        "{}",
        p.body
    );
    let p = n
        .post(&link, &[("password", PASSWORD)], HeaderMap::new())
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("Xong!"));
    let p = invite(&mut o, &token, &nam, "Anh Năm", "manager").await;
    assert!(p.body.contains("Người này đã là thành viên"));
    n.sign_in(&nam, PASSWORD).await;
    let p = n.get("/console").await;
    assert!(p.body.contains("HTX Hồ tiêu Phú Quốc"));
    let p = n.get("/console/account").await;
    assert!(
        p.body.contains("Chuyển sang HTX Nước mắm Phú Quốc"),
        "{}",
        p.body
    );
    let theirs = csrf(&p.body);
    let p = n
        .post(
            "/console/account/organization",
            &[("csrf", theirs.as_str()), ("organization_id", org.as_str())],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let p = n.get("/console").await;
    assert!(p.body.contains("HTX Nước mắm Phú Quốc"), "{}", p.body);
    // An organization they do not belong to is not there.
    let stranger = app.create_organization("HTX lạ").await;
    let p = n.get("/console/account").await;
    let theirs = csrf(&p.body);
    let p = n
        .post(
            "/console/account/organization",
            &[
                ("csrf", theirs.as_str()),
                ("organization_id", stranger.as_str()),
            ],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_password_change_checks_the_old_one_and_ends_the_other_sessions() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Bưởi Diễn").await;
    let login = member(&app, &org, "0977777771", "member").await;
    let mut phone = Browser::new(&app);
    phone.sign_in(&login, PASSWORD).await;
    let mut office = Browser::new(&app);
    office.sign_in(&login, PASSWORD).await;
    // An API token exchanged for the same password.
    let (s, api) = app
        .post_anonymous(
            "/api/v1/auth/tokens",
            json!({"login": login, "password": PASSWORD, "organization_id": org}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{api}");
    let api = api["token"].as_str().unwrap().to_owned();

    let p = office.get("/console/account").await;
    assert_eq!(p.status, StatusCode::OK);
    let token = csrf(&p.body);
    let change = |current: &'static str, new: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("current_password", current.to_owned()),
            ("new_password", new.to_owned()),
        ]
    };
    for (current, new, message) in [
        (
            "sai rồi",
            "bưởi Diễn ngọt thanh",
            "Mật khẩu hiện tại không đúng",
        ),
        (PASSWORD, "ngắn", "Mật khẩu từ 8 đến 128 ký tự"),
    ] {
        let fields = change(current, new);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let p = office
            .post("/console/account/password", &fields, HeaderMap::new())
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(p.body.contains(message), "{}", p.body);
        assert!(!p.body.contains(new), "passwords are never shown back");
    }
    let fields = change(PASSWORD, "bưởi Diễn ngọt thanh");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let p = office
        .post("/console/account/password", &fields, HeaderMap::new())
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let p = office.get("/console/account?saved=1").await;
    assert!(p.body.contains("Đã đổi mật khẩu"));
    // The phone's session and the API token have ended; the office's session goes on.
    assert_eq!(phone.get("/console").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&api, "/api/v1/me").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(office.get("/console").await.status, StatusCode::OK);
    assert_eq!(
        phone.sign_in(&login, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        phone.sign_in(&login, "bưởi Diễn ngọt thanh").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn owners_keep_the_organizations_facts_and_others_read_them() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Vải thiều Thanh Hà").await;
    let owner = member(&app, &org, "0988888871", "owner").await;
    let reader = member(&app, &org, "0988888872", "inspector").await;
    let mut o = Browser::new(&app);
    o.sign_in(&owner, PASSWORD).await;
    let p = o.get("/console/organization").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains(r#"value="HTX Vải thiều Thanh Hà""#) && p.body.contains("Hợp tác xã"));
    let token = csrf(&p.body);
    let p = o
        .post(
            "/console/organization",
            &[
                ("csrf", &token),
                ("name", "HTX Vải thiều Thanh Hà"),
                ("website", "vải.vn"),
                ("phone", "12"),
            ],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Địa chỉ web bắt đầu bằng https://"));
    assert!(p.body.contains("Nhập số điện thoại Việt Nam"));
    assert!(p.body.contains(r#"value="vải.vn""#), "what was typed stays");
    let p = o
        .post(
            "/console/organization",
            &[
                ("csrf", &token),
                ("website", "https://vaithieuthanhha.vn"),
                ("phone", "0220 3855 123"),
            ],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let (_, row) = app
        .get(&app.admin, &format!("/api/v1/organizations/{org}"))
        .await;
    assert_eq!(row["website"], "https://vaithieuthanhha.vn/");
    assert_eq!(
        row["name"], "HTX Vải thiều Thanh Hà",
        "an empty field changes nothing"
    );

    let mut r = Browser::new(&app);
    r.sign_in(&reader, PASSWORD).await;
    let p = r.get("/console/organization").await;
    assert!(
        p.body.contains("Chỉ chủ sở hữu sửa được")
            && !p.body.contains(r#"action="/console/organization""#)
    );
    let theirs = csrf(&p.body);
    let p = r
        .post(
            "/console/organization",
            &[("csrf", &theirs), ("name", "Đổi tên")],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.body.contains("Vai trò của bạn không được phép"),
        "{}",
        p.body
    );
    let (_, row) = app
        .get(&app.admin, &format!("/api/v1/organizations/{org}"))
        .await;
    assert_eq!(row["name"], "HTX Vải thiều Thanh Hà");
}
