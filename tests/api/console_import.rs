//! Spreadsheet import in the console through real HTTP: every bad row and cell flagged before
//! anything is written, then all rows written at once, or none.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::console::{Browser, Page, csrf, member};
use crate::helpers::TestApp;

/// Uploads `bytes` as an import of `kind`.
pub(crate) async fn upload(
    b: &mut Browser<'_>,
    token: &str,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Page {
    let mut form = reqwest::multipart::Form::new()
        .text("csrf", token.to_owned())
        .text("kind", kind.to_owned());
    form = form.part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let req = b.client().post(b.url("/console/import")).multipart(form);
    b.send(req).await
}

/// Posts the preview's "write them all" form.
async fn confirm(b: &mut Browser<'_>, preview: &Page) -> Page {
    let form = &preview.body[preview
        .body
        .find(r#"action="/console/import/confirm""#)
        .expect("a confirm form")..];
    let value = |name: &str| {
        let key = format!(r#"name="{name}" value=""#);
        let at = form.find(&key).unwrap() + key.len();
        html_unescape(form[at..].split('"').next().unwrap())
    };
    let fields = [
        ("csrf", value("csrf")),
        ("kind", value("kind")),
        ("sheet", value("sheet")),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.post("/console/import/confirm", &fields, HeaderMap::new())
        .await
}

fn html_unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The flagged row of a preview, as HTML.
fn row(page: &Page, line: usize) -> &str {
    let marker = format!("<th>{line}</th>");
    let at = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("line {line} in {}", page.body));
    let start = page.body[..at].rfind("<tr").unwrap();
    page.body[start..].split("</tr>").next().unwrap()
}

pub(crate) async fn signed_in<'a>(
    app: &'a TestApp,
    org: &str,
    phone: &str,
) -> (Browser<'a>, String) {
    let login = member(app, org, phone, "owner").await;
    let mut b = Browser::new(app);
    b.sign_in(&login, "mật khẩu an toàn").await;
    let p = b.get("/console/import").await;
    assert_eq!(p.status, StatusCode::OK);
    let token = csrf(&p.body);
    (b, token)
}

#[tokio::test]
async fn farms_from_csv_are_flagged_row_by_row_then_written_all_at_once() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Chè Shan Tuyết").await;
    let (mut b, token) = signed_in(&app, &org, "0944444441").await;

    // The template comes in the page's language and reads back as its own kind.
    let t = b.get("/console/import/template.csv?kind=farms").await;
    assert_eq!(t.status, StatusCode::OK);
    assert!(
        t.body
            .starts_with("\u{feff}Tên trang trại,Địa chỉ,Mã xã,Vĩ độ,Kinh độ\r\n")
    );

    // Excel in Vietnamese: semicolons, decimal commas, a commune code that lost its zero.
    let sheet = "Tên trang trại;Địa chỉ;Mã xã;Vĩ độ;Kinh độ\r\n\
                 Đồi chè Suối Giàng;Văn Chấn, Yên Bái;4672;21,63;104,5\r\n\
                 ;Xã Nậm Mười;ABCDE;91;104\r\n\
                 Nương chè Nậm Búng;Văn Chấn, Yên Bái;;;\r\n";
    let p = upload(
        &mut b,
        &token,
        "farms",
        "trang-trai.csv",
        sheet.as_bytes().to_vec(),
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.body.contains("1 dòng có lỗi, trên tổng số 3"),
        "{}",
        p.body
    );
    assert!(p.body.contains("Chưa ghi gì"));
    assert!(
        !p.body.contains("/console/import/confirm"),
        "no way to write a bad sheet"
    );
    let bad = row(&p, 3);
    assert!(bad.contains(r#"class="bad""#));
    assert!(bad.contains("Ô này không được để trống"), "{bad}");
    assert!(bad.contains("Mã xã gồm đúng 5 chữ số"), "{bad}");
    assert!(!row(&p, 2).contains("error"), "{}", row(&p, 2));
    let (_, farms) = app
        .get(&app.admin, &format!("/api/v1/organizations/{org}/farms"))
        .await;
    assert!(
        farms["items"].as_array().unwrap().is_empty(),
        "nothing written"
    );

    // Fixed: checked, then written.
    let fixed = sheet.replace(
        ";Xã Nậm Mười;ABCDE;91;104",
        "Vườn chè Nậm Mười;Xã Nậm Mười;;;",
    );
    let p = upload(
        &mut b,
        &token,
        "farms",
        "trang-trai.csv",
        fixed.into_bytes(),
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("3 dòng, tất cả đều hợp lệ"));
    let done = confirm(&mut b, &p).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let p = b.get(done.location.as_deref().unwrap()).await;
    assert!(p.body.contains("Đã nhập 3 dòng"), "{}", p.body);
    let (_, farms) = app
        .get(&app.admin, &format!("/api/v1/organizations/{org}/farms"))
        .await;
    let items = farms["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let suoi = items
        .iter()
        .find(|f| f["name"] == "Đồi chè Suối Giàng")
        .unwrap();
    assert_eq!(suoi["commune_code"], "04672");
    assert_eq!(suoi["latitude"], 21.63);

    // A tampered confirmation is checked again, not trusted.
    let p = b
        .post(
            "/console/import/confirm",
            &[
                ("csrf", &token),
                ("kind", "farms"),
                (
                    "sheet",
                    r#"{"headers":["Tên trang trại","Địa chỉ"],"rows":[[2,["",""]]]}"#,
                ),
            ],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::CONFLICT);
    assert!(p.body.contains("Ô này không được để trống"));
    let (_, farms) = app
        .get(&app.admin, &format!("/api/v1/organizations/{org}/farms"))
        .await;
    assert_eq!(farms["items"].as_array().unwrap().len(), 3);

    // A sheet sent back bigger than a file may be is refused before any check.
    let rows: Vec<serde_json::Value> = (0..2001)
        .map(|i| serde_json::json!([i + 2, ["Ruộng", "Xã"]]))
        .collect();
    let huge =
        serde_json::json!({"headers": ["Tên trang trại", "Địa chỉ"], "rows": rows}).to_string();
    let p = b
        .post(
            "/console/import/confirm",
            &[("csrf", &token), ("kind", "farms"), ("sheet", &huge)],
            HeaderMap::new(),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Không đọc được tệp"), "{}", p.body);

    // Not a spreadsheet, a missing column, no token.
    let p = upload(
        &mut b,
        &token,
        "farms",
        "x.xlsx",
        b"PK\x03\x04 not really".to_vec(),
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Không đọc được tệp"));
    let p = upload(
        &mut b,
        &token,
        "farms",
        "x.csv",
        "Tên trang trại\nA\n".into(),
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.body.contains("Tệp thiếu cột: Địa chỉ"), "{}", p.body);
    let p = upload(&mut b, "", "farms", "x.csv", fixed_sheet()).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

fn fixed_sheet() -> Vec<u8> {
    b"name,address\nA,B\n".to_vec()
}

#[tokio::test]
async fn growing_areas_from_a_workbook_name_unknown_farms_and_repeated_codes() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Cà phê Ea Tul").await;
    app.create_farm(&app.admin, &org).await; // "Vườn ông Ba"
    let (mut b, token) = signed_in(&app, &org, "0944444442").await;

    let workbook = |rows: &[[&str; 5]]| {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in [
            "Trang trại",
            "Mã số vùng trồng",
            "Phạm vi",
            "Cây trồng",
            "Diện tích (ha)",
        ]
        .iter()
        .enumerate()
        {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
            }
        }
        book.save_to_buffer().unwrap()
    };
    let bad = workbook(&[
        [
            "Vườn ông Ba",
            "VN-66-650-24370-01-21",
            "nội địa",
            "cà phê",
            "2,5",
        ],
        ["Vườn bà Tư", "VN-66-650-24370-02-21", "", "cà phê", "1"],
        ["Vườn ông Ba", "VN-66-650-24370-01-21", "", "cà phê", ""],
        [
            "Vườn ông Ba",
            "VN-66-650-24370-03-21",
            "nước ngoài",
            "sầu riêng",
            "",
        ],
    ]);
    let p = upload(&mut b, &token, "growing-areas", "vung-trong.xlsx", bad).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.body.contains("4 dòng có lỗi, trên tổng số 4"),
        "{}",
        p.body
    );
    assert!(row(&p, 2).contains("lặp lại"));
    assert!(row(&p, 3).contains("Tổ chức không có trang trại tên này"));
    assert!(row(&p, 4).contains("lặp lại"));
    assert!(row(&p, 5).contains("Phạm vi là"));

    let good = workbook(&[
        [
            "vườn ông ba",
            "VN-66-650-24370-01-21",
            "nội địa",
            "cà phê",
            "2,5",
        ],
        ["Vườn ông Ba", "vn-66-650-24370-03-21", "", "sầu riêng", ""],
    ]);
    let p = upload(
        &mut b,
        &token,
        "growing-areas",
        "vung-trong.xlsx",
        good.clone(),
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let done = confirm(&mut b, &p).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let p = b.get("/console/growing-areas").await;
    assert!(p.body.contains("VN-66-650-24370-03-21") && p.body.contains("sầu riêng"));
    // The same file again: every code is now taken.
    let p = upload(&mut b, &token, "growing-areas", "vung-trong.xlsx", good).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        row(&p, 2).contains("Mã này đã được đăng ký"),
        "{}",
        row(&p, 2)
    );
}

#[tokio::test]
async fn a_diary_is_imported_whole_or_not_at_all() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Gạo Tám").await;
    let product = app.create_product(&app.admin, &org, None).await;
    let batch = app.create_batch(&app.admin, &product, "TAM-01").await;
    let (mut b, token) = signed_in(&app, &org, "0944444443").await;

    let sheet = "Mã lô,Công việc,Thời gian,Mô tả,Vật tư,Liều lượng,Đơn vị liều,Thời gian cách ly (ngày)\n\
                 TAM-01,Bón phân,2026-03-10 07:00,Bón lót,NPK 16-16-8,20,kg/sào,\n\
                 TAM-99,spraying,2026-03-12,,Anvil 5SC,1.5,ml/l,7\n\
                 TAM-01,Phun thuốc,12/03/2026 16:30,,,,,\n\
                 TAM-01,cắt lúa,mai,,,,,\n";
    let p = upload(&mut b, &token, "diary", "nhat-ky.csv", sheet.into()).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(
        p.body.contains("2 dòng có lỗi, trên tổng số 4"),
        "{}",
        p.body
    );
    assert!(row(&p, 3).contains("Không có lô hàng với mã này"));
    assert!(row(&p, 5).contains("Chọn công việc") && row(&p, 5).contains("Nhập thời gian hợp lệ"));
    assert!(!row(&p, 2).contains("error") && !row(&p, 4).contains("error"));

    let good = "Mã lô,Công việc,Thời gian,Vật tư,Thời gian cách ly (ngày)\n\
                TAM-01,spraying,2026-03-12 07:30,Anvil 5SC,7\n\
                TAM-01,Ghi chú,2026-03-13,,\n";
    let p = upload(&mut b, &token, "diary", "nhat-ky.csv", good.into()).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    // Between the check and the writing the batch is sealed: spraying is no longer taken,
    // and the note on the next row is not written alone.
    let (s, _) = app
        .patch(
            &app.admin,
            &format!("/api/v1/batches/{batch}"),
            serde_json::json!({"status": "sealed"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let done = confirm(&mut b, &p).await;
    assert_eq!(done.status, StatusCode::CONFLICT, "{}", done.body);
    assert!(done.body.contains("chưa ghi gì"), "{}", done.body);
    let (_, events) = app
        .get(&app.admin, &format!("/api/v1/batches/{batch}/events"))
        .await;
    assert!(
        events["items"].as_array().unwrap().is_empty(),
        "nothing half-imported"
    );

    // On an open batch the same file goes in whole, in order.
    let other = app.create_batch(&app.admin, &product, "TAM-02").await;
    let p = upload(
        &mut b,
        &token,
        "diary",
        "nhat-ky.csv",
        good.replace("TAM-01", "TAM-02").into(),
    )
    .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    let done = confirm(&mut b, &p).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let (_, events) = app
        .get(&app.admin, &format!("/api/v1/batches/{other}/events"))
        .await;
    let items = events["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["kind"], "spraying");
    assert_eq!(items[0]["occurred_at"], "2026-03-12T00:30:00Z");
    assert_eq!(items[0]["details"]["inputs"][0]["phi_days"], 7);
    assert_eq!(items[1]["kind"], "note");
}
