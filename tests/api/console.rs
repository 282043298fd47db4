//! The producer console through real HTTP: sign-in and sessions, CSRF, languages, the farm
//! form with errors in place, roles, and that one organization never sees another's data.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::json;

use crate::helpers::TestApp;

/// A browser without JavaScript: keeps the session cookie, does not follow redirects.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    cookies: Vec<String>,
}

pub(crate) struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub body: String,
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Vec::new(),
        }
    }

    pub(crate) async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let req = if self.cookies.is_empty() {
            req
        } else {
            req.header("cookie", self.cookies.join("; "))
        };
        let res = req.send().await.unwrap();
        let set_cookies: Vec<String> = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for c in &set_cookies {
            let pair = c.split(';').next().unwrap().to_owned();
            let name = pair.split('=').next().unwrap().to_owned();
            self.cookies.retain(|k| !k.starts_with(&format!("{name}=")));
            if !pair.ends_with('=') {
                self.cookies.push(pair);
            }
        }
        Page {
            status: res.status(),
            location: res
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned()),
            set_cookies,
            body: res.text().await.unwrap(),
        }
    }

    pub(crate) fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub(crate) fn url(&self, path: &str) -> String {
        self.app.url(path)
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let req = self.client.get(self.app.url(path));
        self.send(req).await
    }

    pub(crate) async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        extra: HeaderMap,
    ) -> Page {
        let req = self
            .client
            .post(self.app.url(path))
            .headers(extra)
            .form(form);
        self.send(req).await
    }

    /// Posts a `multipart/form-data` form, with an optional file part.
    pub(crate) async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, Vec<u8>)>,
    ) -> Page {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        if let Some((name, bytes)) = file {
            let part = reqwest::multipart::Part::bytes(bytes)
                .file_name("photo.jpg")
                .mime_str("image/jpeg")
                .unwrap();
            form = form.part(name.to_owned(), part);
        }
        let req = self.client.post(self.app.url(path)).multipart(form);
        self.send(req).await
    }

    pub(crate) async fn sign_in(&mut self, login: &str, password: &str) -> Page {
        self.post(
            "/console/sign-in",
            &[("login", login), ("password", password)],
            HeaderMap::new(),
        )
        .await
    }
}

/// The CSRF token in a page's forms, read through an HTML parser.
pub(crate) fn csrf(body: &str) -> String {
    attr(body, r#"input[name="csrf"]"#, "value")
        .into_iter()
        .next()
        .expect("a form with a CSRF token")
}

/// The `name` attribute of every element `selector` matches in a page.
pub(crate) fn attr(body: &str, selector: &str, name: &str) -> Vec<String> {
    let page = scraper::Html::parse_document(body);
    let selector = scraper::Selector::parse(selector).expect("a CSS selector");
    page.select(&selector)
        .filter_map(|e| e.value().attr(name).map(str::to_owned))
        .collect()
}

/// The text of every element `selector` matches in a page, whitespace collapsed.
pub(crate) fn texts(body: &str, selector: &str) -> Vec<String> {
    let page = scraper::Html::parse_document(body);
    let selector = scraper::Selector::parse(selector).expect("a CSS selector");
    page.select(&selector)
        .map(|e| {
            e.text()
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// A person with a password and a role in `org`; returns their phone number (the login).
pub(crate) async fn member(app: &TestApp, org: &str, phone: &str, role: &str) -> String {
    let (s, user) = app
        .post(
            &app.admin,
            "/api/v1/users",
            json!({"phone": phone, "name": format!("Người {phone}"), "password": "mật khẩu an toàn"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{user}");
    let (s, m) = app
        .post(
            &app.admin,
            &format!("/api/v1/organizations/{org}/memberships"),
            json!({"user_id": user["id"], "role": role}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    phone.to_owned()
}

#[tokio::test]
async fn a_member_signs_in_sees_the_dashboard_in_both_languages_and_signs_out() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Mật ong Cư M'gar").await;
    let login = member(&app, &org, "0912345678", "member").await;
    let mut b = Browser::new(&app);

    let p = b.get("/console").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location.as_deref(), Some("/console/sign-in"));
    let p = b.get("/console/sign-in").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("Đăng nhập") && p.body.contains(r#"lang="vi""#));

    // A wrong password: said plainly, and what was typed is kept.
    let p = b.sign_in(&login, "sai mật khẩu").await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    assert!(p.body.contains("mật khẩu không đúng"), "{}", p.body);
    assert!(p.body.contains(r#"value="0912345678""#));
    assert!(p.set_cookies.is_empty());

    let p = b.sign_in("0912 345 678", "mật khẩu an toàn").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location.as_deref(), Some("/console"));
    let cookie = &p.set_cookies[0];
    assert!(
        cookie.starts_with("ocop_session=ocop_")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Path=/console"),
        "{cookie}"
    );
    let p = b.get("/console").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("HTX Mật ong Cư M&#39;gar") || p.body.contains("HTX Mật ong Cư M'gar"));
    assert!(p.body.contains("Lô hàng đang sản xuất"), "{}", p.body);
    // Its tab is marked, and only its.
    assert!(
        p.body
            .contains(r#"<a href="/console" aria-current="page">"#)
    );
    assert_eq!(p.body.matches("aria-current").count(), 1);
    let p = b.get("/console/farms").await;
    assert!(
        p.body
            .contains(r#"<a href="/console/farms" aria-current="page">"#)
    );
    assert_eq!(p.body.matches("aria-current").count(), 1);

    // English, remembered.
    let p = b.get("/console?lang=en").await;
    assert!(p.body.contains("Batches in progress") && p.body.contains(r#"lang="en""#));
    assert!(p.set_cookies.iter().any(|c| c.starts_with("ocop_lang=en")));
    let p = b.get("/console/farms").await;
    assert!(p.body.contains("Add a farm"), "{}", p.body);

    // Signing out needs the page's token; then the session is over for good.
    let token = csrf(&p.body);
    let p = b.post("/console/sign-out", &[], HeaderMap::new()).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let kept = b.cookies.clone();
    let p = b
        .post("/console/sign-out", &[("csrf", &token)], HeaderMap::new())
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    b.cookies = kept;
    let p = b.get("/console").await;
    assert_eq!(
        p.status,
        StatusCode::SEE_OTHER,
        "the old cookie no longer works"
    );
}

#[tokio::test]
async fn the_farm_form_shows_errors_in_place_keeps_what_was_typed_and_checks_csrf() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Cà phê Ea Tul").await;
    let login = member(&app, &org, "0987654321", "manager").await;
    let mut b = Browser::new(&app);
    assert_eq!(
        b.sign_in(&login, "mật khẩu an toàn").await.status,
        StatusCode::SEE_OTHER
    );
    let p = b.get("/console/farms").await;
    assert!(p.body.contains("Chưa có trang trại nào."));
    let token = csrf(&p.body);

    let p = b
        .post(
            "/console/farms",
            &[
                ("csrf", &token),
                ("name", ""),
                ("address", "Thôn 3, xã Ea Tul"),
                ("commune_code", "2437"),
                ("latitude", "12,79"),
                ("longitude", ""),
            ],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        texts(&p.body, "p.alert"),
        ["Vui lòng sửa các ô được đánh dấu."]
    );
    assert!(
        texts(&p.body, "#name-error")[0].starts_with("Nhập tên"),
        "{}",
        p.body
    );
    assert_eq!(texts(&p.body, "#commune-error").len(), 1);
    assert_eq!(attr(&p.body, "#name", "aria-describedby"), ["name-error"]);
    let pair = texts(&p.body, "small.error").join(" | ");
    assert!(
        pair.contains("Nhập cả vĩ độ và kinh độ"),
        "a latitude alone is refused: {pair}"
    );
    assert_eq!(
        attr(&p.body, "#address", "value"),
        ["Thôn 3, xã Ea Tul"],
        "what was typed stays"
    );
    assert_eq!(attr(&p.body, "#latitude", "value"), ["12,79"]);

    let p = b
        .post(
            "/console/farms",
            &[
                ("csrf", &token),
                ("name", "Lạ"),
                ("address", "x"),
                ("latitude", "abc"),
                ("longitude", "108"),
            ],
            HeaderMap::new(),
        )
        .await;
    assert!(
        texts(&p.body, "#latitude-error")[0].starts_with("Nhập một số"),
        "{}",
        p.body
    );

    // Without the token, or from another site: refused, nothing written.
    let good = [
        ("name", "Vườn ông Ba"),
        ("address", "Thôn 3, xã Ea Tul"),
        ("commune_code", "24277"),
        ("latitude", "12.79"),
        ("longitude", "108.12"),
    ];
    let p = b.post("/console/farms", &good, HeaderMap::new()).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let mut with_token = good.to_vec();
    with_token.push(("csrf", &token));
    let mut other_site = HeaderMap::new();
    other_site.insert("origin", HeaderValue::from_static("https://evil.example"));
    let p = b.post("/console/farms", &with_token, other_site).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let (_, farms) = app
        .get(&app.admin, &format!("/api/v1/organizations/{org}/farms"))
        .await;
    assert_eq!(farms["items"].as_array().unwrap().len(), 0);

    // A commune code of the list before the 2025 merger: said so at its field, nothing written.
    let mut old_code = with_token.clone();
    old_code[2] = ("commune_code", "24370");
    let p = b.post("/console/farms", &old_code, HeaderMap::new()).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        texts(&p.body, "#commune-error")[0].contains("không có trong danh mục xã hiện hành"),
        "{}",
        p.body
    );
    let p = b
        .post("/console/farms", &with_token, HeaderMap::new())
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location.as_deref(), Some("/console/farms?saved=1"));
    let p = b.get("/console/farms?saved=1").await;
    assert!(p.body.contains("Đã lưu trang trại.") && p.body.contains("Vườn ông Ba"));
    // The commune by its name in the list in force (34 provinces since 2025-07-01).
    assert!(
        p.body.contains("24277 · Xã Ea Tul, Tỉnh Đắk Lắk"),
        "{}",
        p.body
    );
    assert!(
        p.body
            .contains("openstreetmap.org/?mlat=12.79&#38;mlon=108.12"),
        "{}",
        p.body
    );
    let (_, farms) = app
        .get(&app.admin, &format!("/api/v1/organizations/{org}/farms"))
        .await;
    assert_eq!(farms["items"][0]["commune_code"], "24277");
}

#[tokio::test]
async fn members_see_only_their_organization_and_roles_hold_in_the_console() {
    let app = TestApp::spawn().await;
    let a = app.create_organization("HTX A").await;
    let other = app.create_organization("HTX B bí mật").await;
    app.create_farm(&app.admin, &other).await;
    let inspector = member(&app, &a, "0911111111", "inspector").await;
    let mut b = Browser::new(&app);
    assert_eq!(
        b.sign_in(&inspector, "mật khẩu an toàn").await.status,
        StatusCode::SEE_OTHER
    );
    for path in ["/console", "/console/farms"] {
        let p = b.get(path).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains("HTX A"));
        assert!(
            !p.body.contains("HTX B") && !p.body.contains("Vườn ông Ba"),
            "{path} shows another organization's data"
        );
    }
    // An inspector reads but does not register farms.
    let p = b.get("/console/farms").await;
    let token = csrf(&p.body);
    let p = b
        .post(
            "/console/farms",
            &[
                ("csrf", &token),
                ("name", "Vườn mới"),
                ("address", "Ea Tul"),
            ],
            HeaderMap::new(),
        )
        .await;
    assert!(
        p.body.contains("Vai trò của bạn không được phép"),
        "{}",
        p.body
    );
    let (_, farms) = app
        .get(&app.admin, &format!("/api/v1/organizations/{a}/farms"))
        .await;
    assert_eq!(farms["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn the_dashboard_shows_open_batches_lapsing_certificates_and_suspected_copies() {
    let app = TestApp::spawn().await;
    let (batch, stamps) = crate::scan::world(&app, 2).await;
    let (_, b) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}"))
        .await;
    let org = b["organization_id"].as_str().unwrap().to_owned();
    let product = b["product_id"].as_str().unwrap().to_owned();
    // A certificate that lapses in about a month.
    let decided = (chrono::Utc::now().date_naive() + chrono::Days::new(30))
        .checked_sub_months(chrono::Months::new(
            ocop_trace::domain::ocop::VALIDITY_MONTHS,
        ))
        .unwrap();
    let (s, c) = app
        .post(&app.admin, &format!("/api/v1/products/{product}/ocop-certifications"), json!({"stars": 4, "decision_number": "99/QĐ-SẮP-HẾT", "decision_date": decided.to_string(), "issuing_body": "UBND tỉnh Đắk Lắk", "level": "province"}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    // One stamp scanned often enough to look copied, the other once.
    let path = |s: &serde_json::Value| {
        let uri = s["uri"].as_str().unwrap();
        format!("/{}", uri.splitn(4, '/').nth(3).unwrap())
    };
    for _ in 0..10 {
        app.client
            .get(app.url(&path(&stamps[0])))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
    }
    app.client
        .get(app.url(&path(&stamps[1])))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    // Answered from the journal; the dashboard reads what the scan writer has committed.
    app.state.scans.flush().await;
    let login = member(&app, &org, "0933333333", "owner").await;
    let mut br = Browser::new(&app);
    br.sign_in(&login, "mật khẩu an toàn").await;
    let p = br.get("/console").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("Lô CF2026A"), "{}", p.body);
    assert!(p.body.contains("99/QĐ-SẮP-HẾT") && p.body.contains("★★★★"));
    let (copied, once) = (
        stamps[0]["serial"].as_str().unwrap(),
        stamps[1]["serial"].as_str().unwrap(),
    );
    let row = |serial: &str| {
        let at = p
            .body
            .find(serial)
            .unwrap_or_else(|| panic!("{serial} listed"));
        p.body[at..].split("</li>").next().unwrap().to_owned()
    };
    assert!(row(copied).contains("10 lượt quét") && row(copied).contains("Nghi tem giả"));
    // A stamp scanned once is no warning; its scan counts in its batch's week.
    assert!(!p.body.contains(once), "{}", p.body);
    let week = &p.body[p.body.find("id=\"scans\"").unwrap()..];
    let week = week.split("</section>").next().unwrap();
    assert!(
        week.contains("Lô CF2026A") && week.contains("11 lượt quét"),
        "{week}"
    );
}

#[tokio::test]
async fn growing_area_codes_are_explained_checked_and_kept_to_the_organizations_farms() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Cà phê Ea Tul").await;
    let farm = app.create_farm(&app.admin, &org).await;
    let other = app.create_organization("HTX khác").await;
    let foreign_farm = app.create_farm(&app.admin, &other).await;
    let login = member(&app, &org, "0944444444", "manager").await;
    let mut b = Browser::new(&app);
    b.sign_in(&login, "mật khẩu an toàn").await;

    // What the form's script asks as a code is typed.
    let p = b
        .get("/console/growing-areas/explain?code=vn-66-650-24370-94-21")
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(
        p.body.contains("Xã Ea Tân, Huyện Krông Năng, Tỉnh Đắk Lắk") && p.body.contains("2021"),
        "{}",
        p.body
    );
    let p = b
        .get("/console/growing-areas/explain?code=VN-66-650-24370-94-21&lang=en")
        .await;
    assert!(p.body.contains("Dak Lak Province"), "{}", p.body);
    let p = b
        .get("/console/growing-areas/explain?code=v%C3%B9ng%201")
        .await;
    assert!(p.body.contains("Mã không hợp lệ"), "{}", p.body);

    let p = b.get("/console/growing-areas").await;
    assert!(p.body.contains("Chưa có mã số vùng trồng nào.") && p.body.contains("Vườn ông Ba"));
    let token = csrf(&p.body);
    // An export code without its market, and no crop: both said in place.
    let p = b
        .post(
            "/console/growing-areas",
            &[
                ("csrf", &token),
                ("farm_id", &farm),
                ("code", "VN-HNTV-001"),
                ("scope", "export"),
                ("crop", ""),
            ],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Mã xuất khẩu cần thị trường"), "{}", p.body);
    assert!(p.body.contains("Nhập tên cây trồng"));
    assert!(p.body.contains(r#"value="VN-HNTV-001""#));
    // Another organization's farm is no choice.
    let p = b
        .post(
            "/console/growing-areas",
            &[
                ("csrf", &token),
                ("farm_id", &foreign_farm),
                ("code", "VN-66-650-24370-94-21"),
                ("scope", "domestic"),
                ("crop", "cà phê"),
            ],
            HeaderMap::new(),
        )
        .await;
    assert!(p.body.contains("Chọn một trang trại."), "{}", p.body);

    let good = [
        ("csrf", token.as_str()),
        ("farm_id", farm.as_str()),
        ("code", "vn-66-650-24370-94-21"),
        ("scope", "domestic"),
        ("crop", "cà phê"),
        ("area_ha", "2,5"),
    ];
    let p = b
        .post("/console/growing-areas", &good, HeaderMap::new())
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = b.get("/console/growing-areas?saved=1").await;
    assert!(p.body.contains("Đã lưu mã số vùng trồng."));
    assert!(p.body.contains("VN-66-650-24370-94-21") && p.body.contains("vùng số 94"));
    // The same code twice is refused in place.
    let p = b
        .post("/console/growing-areas", &good, HeaderMap::new())
        .await;
    assert!(p.body.contains("Mã này đã được đăng ký."), "{}", p.body);
    let (_, areas) = app
        .get(&app.admin, &format!("/api/v1/farms/{farm}/growing-areas"))
        .await;
    assert_eq!(areas["items"].as_array().unwrap().len(), 1);
    assert_eq!(areas["items"][0]["area_ha"], 2.5);
}

#[tokio::test]
async fn products_and_ocop_certificates_are_registered_with_errors_in_place() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Mật ong Cư M'gar").await;
    let login = member(&app, &org, "0955555555", "manager").await;
    let mut b = Browser::new(&app);
    b.sign_in(&login, "mật khẩu an toàn").await;
    let p = b.get("/console/products").await;
    assert!(p.body.contains("Chưa có sản phẩm nào.") && !p.body.contains("new-certification"));
    let token = csrf(&p.body);

    // A bad GTIN and weight: said in place, the rest kept.
    let p = b
        .post(
            "/console/products",
            &[
                ("csrf", &token),
                ("name", "Mật ong hoa cà phê"),
                ("unit", "hũ"),
                ("gtin", "8934588012229"),
                ("ocop_group", "food"),
                ("net_weight_g", "nửa cân"),
            ],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Khối lượng là một số"), "{}", p.body);
    let p = b
        .post(
            "/console/products",
            &[
                ("csrf", &token),
                ("name", "Mật ong hoa cà phê"),
                ("unit", "hũ"),
                ("gtin", "8934588012229"),
                ("ocop_group", "food"),
                ("net_weight_g", "500"),
            ],
            HeaderMap::new(),
        )
        .await;
    assert!(p.body.contains("Mã GTIN không hợp lệ"), "{}", p.body);
    assert!(p.body.contains(r#"value="Mật ong hoa cà phê""#));
    assert!(p.body.contains(r#"<option value="food" selected>"#));
    let p = b
        .post(
            "/console/products",
            &[
                ("csrf", &token),
                ("name", "Mật ong hoa cà phê"),
                ("unit", "hũ"),
                ("gtin", "8934588012228"),
                ("ocop_group", "food"),
                ("net_weight_g", "500"),
            ],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = b.get("/console/products?saved=product").await;
    assert!(p.body.contains("Đã lưu sản phẩm.") && p.body.contains("8934588012228"));
    assert!(p.body.contains("Chưa có chứng nhận OCOP còn hiệu lực"));
    let (_, list) = app
        .get(&app.admin, &format!("/api/v1/organizations/{org}/products"))
        .await;
    let product = list["items"][0]["id"].as_str().unwrap().to_owned();

    // Five stars at province level, and a date in the future: both refused in place.
    let future = (chrono::Utc::now().date_naive() + chrono::Days::new(10)).to_string();
    let p = b
        .post(
            "/console/products/certifications",
            &[
                ("csrf", &token),
                ("product_id", &product),
                ("stars", "5"),
                ("level", "province"),
                ("decision_number", "1234/QĐ-UBND"),
                ("decision_date", "2025-06-15"),
                ("issuing_body", "UBND tỉnh Đắk Lắk"),
            ],
            HeaderMap::new(),
        )
        .await;
    assert!(
        p.body.contains("Cấp đánh giá không khớp số sao"),
        "{}",
        p.body
    );
    assert!(p.body.contains(r#"value="1234/QĐ-UBND""#));
    let p = b
        .post(
            "/console/products/certifications",
            &[
                ("csrf", &token),
                ("product_id", &product),
                ("stars", "4"),
                ("level", "province"),
                ("decision_number", "1234/QĐ-UBND"),
                ("decision_date", &future),
                ("issuing_body", "UBND tỉnh Đắk Lắk"),
            ],
            HeaderMap::new(),
        )
        .await;
    assert!(
        p.body.contains("Ngày quyết định không thể ở tương lai."),
        "{}",
        p.body
    );
    let p = b
        .post(
            "/console/products/certifications",
            &[
                ("csrf", &token),
                ("product_id", &product),
                ("stars", "4"),
                ("level", "province"),
                ("decision_number", "1234/QĐ-UBND"),
                ("decision_date", "2025-06-15"),
                ("issuing_body", "UBND tỉnh Đắk Lắk"),
            ],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let p = b.get("/console/products?saved=certification&lang=en").await;
    assert!(p.body.contains("OCOP certificate saved."));
    assert!(
        p.body.contains("★★★★") && p.body.contains("valid until 15 Jun 2028"),
        "{}",
        p.body
    );
}
