//! EPCIS 2.0 (issue 19): a batch's history as events with CBV terms and event hash IDs, read
//! through the REST bindings by the public and by members. The GS1 schema and GS1's own hash
//! implementation check the same documents from outside (`tests/contract/epcis.py`).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_field_error, assert_problem};
use crate::stamps::{all_stamps, run_of};

pub(crate) struct Lot {
    pub(crate) org: String,
    pub(crate) batch: String,
    run: String,
    serials: Vec<String>,
    pub(crate) spraying: String,
}

/// A lot of a product with a GTIN, grown in a registered area: its diary (planting, a
/// spraying with its pre-harvest interval, a harvest, a correction of the harvest), an OCOP
/// certificate, a run of 5 stamps and one stamp voided.
pub(crate) async fn lot(app: &TestApp) -> Lot {
    let org = app.create_organization("HTX Cà phê Ea Tul").await;
    let farm = app.create_farm(&app.admin, &org).await;
    let area = app
        .create_growing_area(&app.admin, &farm, "VN-66-650-24370-01-21")
        .await;
    let product = app
        .create_product(&app.admin, &org, Some("8934588012228"))
        .await;
    app.create_certification(&app.admin, &product, 4, "province", "2026-01-15")
        .await;
    let (s, b) = app
        .post(
            &app.admin,
            &format!("/api/v1/products/{product}/batches"),
            json!({"lot_code": "CF2026A", "growing_area_id": area, "quantity": 800, "unit": "kg"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let batch = b["id"].as_str().unwrap().to_owned();
    let events = format!("/api/v1/batches/{batch}/events");
    let mut ids = vec![];
    for body in [
        json!({"kind": "planting", "occurred_at": "2026-01-02T07:00:00+07:00", "details": {"description": "Trồng 500 cây"}}),
        json!({"kind": "spraying", "occurred_at": "2026-02-10T06:30:00+07:00", "details": {"inputs": [
            {"product": "Anvil 5SC", "active_ingredient": "Hexaconazole", "dose": 1.5, "dose_unit": "ml/l", "phi_days": 7}]}}),
        json!({"kind": "harvesting", "occurred_at": "2026-03-01T06:00:00+07:00", "details": {"quantity": 820, "unit": "kg"}}),
    ] {
        let (s, e) = app.post(&app.admin, &events, body).await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
        ids.push(e["id"].as_str().unwrap().to_owned());
    }
    let (s, e) = app
        .post(
            &app.admin,
            &events,
            json!({"kind": "harvesting", "occurred_at": "2026-03-01T06:00:00+07:00",
            "corrects": ids[2], "details": {"quantity": 800, "unit": "kg", "reason": "cân lại"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let run = run_of(app, &batch, 5).await;
    let serials: Vec<String> = all_stamps(app, &run)
        .await
        .iter()
        .map(|s| s["serial"].as_str().unwrap().to_owned())
        .collect();
    let (s, v) = app
        .post(
            &app.admin,
            &format!("/api/v1/stamp-runs/{run}/voids"),
            json!({"reason": "misprint", "serials": [serials[4]]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    Lot {
        org,
        batch,
        run,
        serials,
        spraying: ids[1].clone(),
    }
}

pub(crate) async fn document(
    app: &TestApp,
    token: Option<&str>,
    path: &str,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    if status == StatusCode::OK {
        assert_eq!(res.headers()["gs1-epcis-version"], "2.0.0");
        assert_eq!(res.headers()["gs1-cbv-version"], "2.0.0");
        assert_eq!(res.headers()["content-type"], "application/ld+json");
    }
    (
        status,
        serde_json::from_str(&res.text().await.unwrap()).unwrap(),
    )
}

pub(crate) fn events(doc: &Value) -> Vec<Value> {
    let body = &doc["epcisBody"];
    body["eventList"]
        .as_array()
        .or_else(|| body["queryResults"]["resultsBody"]["eventList"].as_array())
        .unwrap()
        .clone()
}

fn steps(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let s = e["bizStep"].as_str().unwrap();
            s.rsplit_once("BizStep-").map_or(s, |(_, w)| w).to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batchs_history_is_an_epcis_document_whose_event_ids_hash_each_event() {
    let app = TestApp::spawn().await;
    let lot = lot(&app).await;
    let (s, doc) = document(
        &app,
        Some(&app.admin),
        &format!("/epcis/documents/batches/{}", lot.batch),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{doc}");
    assert_eq!(doc["type"], "EPCISDocument");
    assert_eq!(doc["schemaVersion"], "2.0");
    let list = events(&doc);
    assert_eq!(
        steps(&list),
        [
            "certifying",
            "planting",
            "spraying",
            "harvesting",
            "harvesting",
            "commissioning",
            "decommissioning"
        ]
    );
    // Every ID is the CBV 2.0 hash of its event, and no two are the same.
    let ns = ocop_trace::epcis::hash::Namespaces::of_context(&doc["@context"]);
    let mut seen = std::collections::BTreeSet::new();
    for e in &list {
        let id = ocop_trace::epcis::hash::event_hash_id(e, &ns).unwrap();
        assert_eq!(e["eventID"], json!(id), "{e}");
        assert!(seen.insert(id));
    }
    let lot_uri = "https://id.gs1.org/01/08934588012228/10/CF2026A";
    let spraying = &list[2];
    assert_eq!(spraying["quantityList"][0]["epcClass"], lot_uri);
    assert_eq!(spraying["ocop:inputs"][0]["ocop:preHarvestIntervalDays"], 7);
    assert!(
        spraying["bizLocation"]["id"]
            .as_str()
            .unwrap()
            .contains("/id/growing-area/")
    );
    assert_eq!(list[3]["quantityList"][0]["uom"], "KGM");
    // The corrected harvest says so, and names the event that corrects it.
    assert_eq!(
        list[3]["errorDeclaration"]["correctiveEventIDs"][0],
        list[4]["eventID"]
    );
    assert_eq!(list[4]["ocop:corrects"], list[3]["eventID"]);
    // The run commissions its 5 stamps by their Digital Link URIs; the void takes one back.
    let mut epcs: Vec<&str> = list[5]["epcList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    epcs.sort();
    let mut expected: Vec<String> = lot
        .serials
        .iter()
        .map(|s| format!("https://id.gs1.org/01/08934588012228/21/{s}"))
        .collect();
    expected.sort();
    assert_eq!(epcs, expected);
    assert_eq!(list[5]["action"], "ADD");
    assert_eq!(list[6]["action"], "DELETE");
    assert_eq!(list[6]["epcList"], json!([expected_uri(&lot.serials[4])]));
    assert!(
        list[0]["certificationInfo"]
            .as_str()
            .unwrap()
            .contains("/id/certificate/")
    );
    assert_eq!(list[0]["ocop:stars"], 4);
}

fn expected_uri(serial: &str) -> String {
    format!("https://id.gs1.org/01/08934588012228/21/{serial}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_reads_what_the_scan_page_shows_and_stamp_serials_only_with_a_token() {
    let app = TestApp::spawn().await;
    let lot = lot(&app).await;
    let path = format!("/epcis/documents/batches/{}", lot.batch);
    let (s, public) = document(&app, None, &path).await;
    assert_eq!(s, StatusCode::OK, "{public}");
    assert_eq!(
        steps(&events(&public)),
        [
            "certifying",
            "planting",
            "spraying",
            "harvesting",
            "harvesting"
        ]
    );
    // A member of another organization sees what the public sees.
    let other = app.create_organization("HTX khác").await;
    let stranger = app.token_for(&other, "owner").await;
    let (_, theirs) = document(&app, Some(&stranger), &path).await;
    assert_eq!(events(&theirs), events(&public));
    let member = app.token_for(&lot.org, "inspector").await;
    let (_, mine) = document(&app, Some(&member), &path).await;
    assert_eq!(events(&mine).len(), 7);

    // A stamp's document: its lot's story, and with a token its own commissioning and void.
    let stamp = format!("/epcis/documents/stamps/{}", lot.serials[4]);
    let (s, anonymous) = document(&app, None, &stamp).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(events(&anonymous).len(), 5);
    let (_, own) = document(&app, Some(&member), &stamp).await;
    assert_eq!(
        steps(&events(&own))[5..],
        ["commissioning", "decommissioning"]
    );
    let (s, body) = document(&app, None, "/epcis/documents/stamps/NOSUCHSTAMP00").await;
    assert_problem(s, &body, StatusCode::NOT_FOUND, "not_found");

    // The events of a stamp by its URI (any domain): only with a token.
    let uri = app.url(&format!("/01/08934588012228/21/{}", lot.serials[4]));
    let by_epc = format!("/epcis/events?MATCH_anyEPC={}", urlencoding(&uri));
    let (_, none) = document(&app, None, &by_epc).await;
    assert!(events(&none).is_empty());
    let (_, two) = document(&app, Some(&member), &by_epc).await;
    assert_eq!(steps(&events(&two)), ["commissioning", "decommissioning"]);
    let (_, same) = document(
        &app,
        Some(&member),
        &format!(
            "/epcis/epcs/{}/events",
            urlencoding(&expected_uri(&lot.serials[4]))
        ),
    )
    .await;
    assert_eq!(events(&same), events(&two));
    // A run nobody else may read stays private to the organization's records.
    assert!(!lot.run.is_empty());
}

fn urlencoding(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_take_the_standard_parameters_and_pages_follow_the_link_header() {
    let app = TestApp::spawn().await;
    let lot = lot(&app).await;
    let class = urlencoding("https://id.gs1.org/01/08934588012228/10/CF2026A");

    // Steps by CBV word or by our URI; times with their offsets.
    let (_, voc) = document(&app, None, "/epcis/voc").await;
    let ours = format!(
        "{}BizStep-spraying",
        voc["@context"]["ocop"].as_str().unwrap()
    );
    let path = format!(
        "/epcis/events?EQ_bizStep={}&MATCH_epcClass={class}&GE_eventTime={}",
        urlencoding(&format!("harvesting|{ours}")),
        urlencoding("2026-02-10T06:30:00+07:00")
    );
    let (s, doc) = document(&app, None, &path).await;
    assert_eq!(s, StatusCode::OK, "{doc}");
    assert_eq!(doc["type"], "EPCISQueryDocument");
    assert_eq!(steps(&events(&doc)), ["spraying"]);
    let (_, doc) = document(
        &app,
        Some(&app.admin),
        &format!("/epcis/events?EQ_bizStep=commissioning|decommissioning&MATCH_epcClass={class}"),
    )
    .await;
    assert_eq!(events(&doc).len(), 2);

    // Pages of 2, each pointing to the next, until every event was read once.
    let mut url = app.url(&format!("/epcis/events?MATCH_epcClass={class}&perPage=2"));
    let mut all = vec![];
    let client = reqwest::Client::new();
    loop {
        let res = client
            .get(&url)
            .bearer_auth(&app.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let next = res.headers().get("link").map(|l| {
            let l = l.to_str().unwrap();
            assert!(l.ends_with("; rel=\"next\""), "{l}");
            l[1..l.find('>').unwrap()].to_owned()
        });
        let page: Value = res.json().await.unwrap();
        assert!(events(&page).len() <= 2);
        all.extend(events(&page));
        match next {
            // The link is under the public base URL; this server is that base's stand-in.
            Some(n) => url = app.url(&n[n.find("/epcis/").unwrap()..]),
            None => break,
        }
    }
    assert_eq!(
        all.len(),
        6,
        "the lot's 6 events; the certificate names the product"
    );

    // One event by its ID, percent-encoded in the path.
    let id = all[1]["eventID"].as_str().unwrap();
    let (s, one) = document(&app, None, &format!("/epcis/events/{}", urlencoding(id))).await;
    assert_eq!(s, StatusCode::OK, "{one}");
    assert_eq!(one["eventID"], id);
    assert!(one["@context"].is_array());
    let (s, body) = document(
        &app,
        None,
        "/epcis/events/ni%3A%2F%2F%2Fsha-256%3B00%3Fver%3DCBV2.0",
    )
    .await;
    assert_problem(s, &body, StatusCode::NOT_FOUND, "not_found");

    // Bad parameters are named, each of them.
    let (s, body) = app
        .get(&app.admin, "/epcis/events?GE_eventTime=yesterday&perPage=0")
        .await;
    assert_field_error(s, &body, "GE_eventTime", "invalid");
    assert_field_error(s, &body, "perPage", "invalid");
    let (s, body) = app.get(&app.admin, "/epcis/events?EQ_color=red").await;
    assert!(s.is_client_error(), "{body}");
    let _ = lot.spraying;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_vocabulary_is_served_with_words_in_vietnamese_and_english() {
    let app = TestApp::spawn().await;
    let (s, voc) = document(&app, None, "/epcis/voc").await;
    assert_eq!(s, StatusCode::OK);
    let graph = voc["@graph"].as_array().unwrap();
    let phi = graph
        .iter()
        .find(|t| {
            t["@id"]
                .as_str()
                .unwrap()
                .ends_with("/preHarvestIntervalDays")
        })
        .unwrap();
    assert_eq!(phi["rdfs:label"][0]["@language"], "vi");
    assert_eq!(phi["rdfs:label"][1]["@language"], "en");
}

// ---- capture (POST /epcis/capture) --------------------------------------------------------

/// Sends a document for capture: the 202's job, followed by its `Location` until it ends.
async fn capture(app: &TestApp, token: &str, query: &str, doc: &Value) -> Value {
    let res = reqwest::Client::new()
        .post(app.url(&format!("/epcis/capture{query}")))
        .bearer_auth(token)
        .header("content-type", "application/ld+json")
        .body(doc.to_string())
        .send()
        .await
        .unwrap();
    if res.status() != StatusCode::ACCEPTED {
        panic!("{}: {}", res.status(), res.text().await.unwrap());
    }
    assert_eq!(res.headers()["gs1-epcis-capture-limit"], "500");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let first: Value = res.json().await.unwrap();
    let id = first["captureID"].as_str().unwrap().to_owned();
    assert!(
        location.ends_with(&format!("/epcis/capture/{id}")),
        "{location}"
    );
    assert_eq!(first["captureErrorBehaviour"], "rollback");
    for _ in 0..200 {
        let (s, job) = app.get(token, &format!("/epcis/capture/{id}")).await;
        assert_eq!(s, StatusCode::OK, "{job}");
        if job["running"] == false {
            assert!(job["finishedAt"].is_string(), "{job}");
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("capture job {id} still running after 5 s");
}

fn partner_document(events: Vec<Value>) -> Value {
    json!({
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                     // Our vocabulary under a prefix of the partner's choosing.
                     {"ocopv": "http://127.0.0.1/epcis/voc/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-04-02T03:00:00Z",
        "sender": "urn:epc:id:pgln:8934588.00002",
        "epcisBody": {"eventList": events},
    })
}

async fn diary(app: &TestApp, token: &str, batch: &str) -> Vec<Value> {
    let (s, page) = app
        .get(token, &format!("/api/v1/batches/{batch}/events?limit=100"))
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partners_events_become_diary_entries_once_each_named_on_the_scan_page() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Gạo Tám Xoan").await;
    let product = app
        .create_product(&app.admin, &org, Some("8934588012228"))
        .await;
    let batch = app.create_batch(&app.admin, &product, "GAO26").await;
    let lab = app.token_for(&org, "member").await;
    // The test servers' public base URL.
    let base = "http://trace.test/";
    let voc = format!("{base}epcis/voc/");
    let mut doc = partner_document(vec![
        json!({"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "packing",
               "eventTime": "2026-04-01T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
               "quantityList": [{"epcClass": "https://id.gs1.org/01/08934588012228/10/GAO26", "quantity": 500, "uom": "KGM"}],
               "readPoint": {"id": "urn:epc:id:sgln:8934588.00002.0"},
               "ocopv:description": "Đóng túi 5 kg"}),
        json!({"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "https://ref.gs1.org/cbv/BizStep-inspecting",
               "eventTime": "2026-04-01T10:00:00+07:00", "eventTimeZoneOffset": "+07:00",
               "quantityList": [{"epcClass": format!("{base}id/lot/{batch}")}],
               "ocopv:description": "Không phát hiện dư lượng thuốc BVTV"}),
    ]);
    doc["@context"][1]["ocopv"] = json!(voc);
    let job = capture(&app, &lab, "", &doc).await;
    assert_eq!(job["success"], true, "{job}");
    assert_eq!(job["recorded"], 2, "{job}");
    let entries = diary(&app, &app.admin, &batch).await;
    assert_eq!(entries.len(), 2);
    let packing = &entries[0];
    assert_eq!(packing["kind"], "packing");
    assert_eq!(packing["details"]["quantity"], 500.0);
    assert_eq!(packing["details"]["unit"], "kg");
    assert_eq!(packing["details"]["description"], "Đóng túi 5 kg");
    let captured = &packing["details"]["captured"];
    assert_eq!(captured["partner"], "member token");
    assert_eq!(captured["sender"], "urn:epc:id:pgln:8934588.00002");
    assert!(
        captured["event_id"]
            .as_str()
            .unwrap()
            .starts_with("ni:///sha-256;")
    );
    assert_eq!(
        captured["original"]["readPoint"]["id"],
        "urn:epc:id:sgln:8934588.00002.0"
    );
    assert!(
        captured.get("source_lot").is_none(),
        "the event named this very lot"
    );

    // The same document again: recorded, but nothing twice.
    let again = capture(&app, &lab, "", &doc).await;
    assert_eq!(again["success"], true, "{again}");
    assert_eq!(diary(&app, &app.admin, &batch).await.len(), 2);

    // Sealed like any entry, exported with the partner named.
    let (s, exported) = document(
        &app,
        Some(&app.admin),
        &format!("/epcis/documents/batches/{batch}"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let list = events(&exported);
    assert_eq!(steps(&list), ["packing", "inspecting"]);
    assert_eq!(list[0]["ocop:capturedFrom"], "member token");
    assert_eq!(list[0]["ocop:sourceEventID"], captured["event_id"]);

    // The lot page names the partner in the diary.
    let (s, page) = app.text("/01/08934588012228/10/GAO26?lang=en").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        page.contains(
            "Sent by a partner system (EPCIS): member token · urn:epc:id:pgln:8934588.00002"
        ),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_document_writes_nothing_and_each_fault_is_named() {
    let app = TestApp::spawn().await;
    let org = app.create_organization("HTX Mật ong Bạc Hà").await;
    let product = app
        .create_product(&app.admin, &org, Some("8934588012228"))
        .await;
    let batch = app.create_batch(&app.admin, &product, "MO26").await;
    let member = app.token_for(&org, "member").await;
    let good = json!({"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "packing",
        "eventTime": "2026-04-01T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
        "quantityList": [{"epcClass": "https://id.gs1.org/01/08934588012228/10/MO26"}]});

    // Not an EPCIS document by GS1's schema: refused at once, naming where.
    let mut bad_time = good.clone();
    bad_time["eventTime"] = json!("hôm qua");
    let (s, body) = app
        .post(
            &member,
            "/epcis/capture",
            partner_document(vec![good.clone(), bad_time]),
        )
        .await;
    assert_problem(
        s,
        &body,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    );
    assert!(
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["code"] == "schema_violation"
                && e["field"]
                    .as_str()
                    .unwrap()
                    .starts_with("epcisBody.eventList[1]")),
        "{body}"
    );

    // A step the diary does not know, and an event of a lot nobody registered.
    let mut receiving = good.clone();
    receiving["bizStep"] = json!("receiving");
    let job = capture(
        &app,
        &member,
        "",
        &partner_document(vec![good.clone(), receiving]),
    )
    .await;
    assert_eq!(job["success"], false);
    let errors = job["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{job}");
    assert_eq!(errors[0]["eventIndex"], 1);
    assert_eq!(errors[0]["field"], "epcisBody.eventList[1].bizStep");
    assert_eq!(errors[0]["code"], "unknown_value");
    assert_eq!(
        errors[0]["type"],
        "https://ref.gs1.org/standards/epcis/exceptions#ValidationException"
    );

    let mut unknown_lot = good.clone();
    unknown_lot["quantityList"][0]["epcClass"] =
        json!("https://id.gs1.org/01/08934588012228/10/NOPE");
    let job = capture(
        &app,
        &member,
        "",
        &partner_document(vec![good.clone(), unknown_lot]),
    )
    .await;
    assert_eq!(job["errors"][0]["eventIndex"], 1, "{job}");
    assert_eq!(job["errors"][0]["code"], "not_found");

    // A time in the future: the diary's own rule, named as the partner wrote it.
    let mut future = good.clone();
    future["eventTime"] = json!("2099-01-01T00:00:00+07:00");
    let job = capture(
        &app,
        &member,
        "",
        &partner_document(vec![good.clone(), future]),
    )
    .await;
    assert_eq!(job["success"], false);
    assert_eq!(job["errors"][0]["eventIndex"], 1, "{job}");
    assert_eq!(
        job["errors"][0]["field"],
        "epcisBody.eventList[1].eventTime"
    );
    assert_eq!(job["errors"][0]["code"], "date_in_future");

    // A job whose server stopped before it ended reads as failed once ten minutes have passed.
    let stalled = job["captureID"].as_str().unwrap().to_owned();
    let long_ago = chrono::Utc::now() - chrono::TimeDelta::minutes(11);
    app.sql(
        "UPDATE epcis_capture_jobs SET running = $1, finished_at = NULL, errors = '[]', created_at = $2 WHERE id = $3",
        vec![
            true.into(),
            long_ago.into(),
            uuid::Uuid::parse_str(&stalled).unwrap().into(),
        ],
    )
    .await;
    let (s, job) = app.get(&member, &format!("/epcis/capture/{stalled}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(job["running"], false, "{job}");
    assert_eq!(job["success"], false);
    assert_eq!(job["errors"][0]["status"], 503, "{job}");

    // What the partner names is sealed and shown: it stays a short line.
    let mut loud = partner_document(vec![good.clone()]);
    loud["sender"] = json!("x".repeat(501));
    let job = capture(&app, &member, "", &loud).await;
    assert_eq!(job["errors"][0]["field"], "sender", "{job}");
    assert_eq!(job["errors"][0]["code"], "text_too_long");
    // A document larger than capture reads is a 413, read no further.
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(4 * 1024 * 1024));
    let (s, body) = app
        .post_raw(&member, "/epcis/capture", "application/json", huge)
        .await;
    assert_problem(s, &body, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");

    // Another organization's token may not write to this lot.
    let other = app.create_organization("HTX khác").await;
    let stranger = app.token_for(&other, "owner").await;
    let job = capture(&app, &stranger, "", &partner_document(vec![good.clone()])).await;
    assert_eq!(job["success"], false);
    assert!(
        matches!(job["errors"][0]["status"].as_u64(), Some(403 | 404)),
        "{job}"
    );
    // Each organization reads its own jobs only.
    let theirs = format!("/epcis/capture/{}", job["captureID"].as_str().unwrap());
    let (s, _) = app.get(&stranger, &theirs).await;
    assert_eq!(s, StatusCode::OK, "its own job");
    let (s, body) = app.get(&member, &theirs).await;
    assert_problem(s, &body, StatusCode::NOT_FOUND, "not_found");

    assert!(
        diary(&app, &app.admin, &batch).await.is_empty(),
        "nothing was written"
    );

    // Only the rollback behaviour, and never without a token.
    let res = reqwest::Client::new()
        .post(app.url("/epcis/capture"))
        .bearer_auth(&member)
        .header("GS1-Capture-Error-Behaviour", "proceed")
        .json(&partner_document(vec![good.clone()]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (s, body) = app
        .post_anonymous("/epcis/capture", partner_document(vec![good.clone()]))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{body}");
    // A diary entry cannot claim to come from a partner.
    let (s, body) = app
        .post(&member, &format!("/api/v1/batches/{batch}/events"),
            json!({"kind": "note", "occurred_at": "2026-04-01T08:00:00+07:00",
                   "details": {"description": "x", "captured": {"partner": "Bộ Y tế", "event_id": "x"}}}))
        .await;
    assert_field_error(s, &body, "details.captured", "unknown_field");
}

/// One step forward: a processor captures its supplier's published history into its own lot,
/// and its own export carries it, naming the supplier's lot.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lots_export_captured_into_a_second_organizations_lot_round_trips() {
    let app = TestApp::spawn().await;
    let supplier = lot(&app).await;
    let (s, published) = document(
        &app,
        None,
        &format!("/epcis/documents/batches/{}", supplier.batch),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let sent = events(&published).len();

    let processor = app
        .create_organization("Công ty Chế biến Cà phê Buôn Ma Thuột")
        .await;
    let product = app.create_product(&app.admin, &processor, None).await;
    let batch = app.create_batch(&app.admin, &product, "RANG26").await;
    let token = app.token_for(&processor, "manager").await;
    let job = capture(&app, &token, &format!("?intoBatch={batch}"), &published).await;
    assert_eq!(job["success"], true, "{job}");
    assert_eq!(job["recorded"].as_u64().unwrap() as usize, sent);
    let entries = diary(&app, &token, &batch).await;
    assert_eq!(entries.len(), sent);
    let spraying = entries.iter().find(|e| e["kind"] == "spraying").unwrap();
    assert_eq!(spraying["details"]["inputs"][0]["phi_days"], 7);
    assert_eq!(spraying["details"]["inputs"][0]["product"], "Anvil 5SC");
    assert_eq!(
        spraying["details"]["captured"]["source_lot"],
        "https://id.gs1.org/01/08934588012228/10/CF2026A"
    );
    let (s, mine) = document(
        &app,
        Some(&token),
        &format!("/epcis/documents/batches/{batch}"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let mine = events(&mine);
    assert_eq!(mine.len(), sent);
    let published_events = events(&published);
    let theirs: std::collections::BTreeSet<&str> = published_events
        .iter()
        .map(|e| e["eventID"].as_str().unwrap())
        .collect();
    let named: std::collections::BTreeSet<&str> = mine
        .iter()
        .map(|e| e["ocop:sourceEventID"].as_str().unwrap())
        .collect();
    assert_eq!(
        named, theirs,
        "each captured event names the supplier's event ID"
    );
    // The supplier's lot is untouched, and sending the document again adds nothing.
    let again = capture(&app, &token, &format!("?intoBatch={batch}"), &published).await;
    assert_eq!(again["success"], true, "{again}");
    assert_eq!(diary(&app, &token, &batch).await.len(), sent);
    let _ = (
        supplier.org,
        supplier.run,
        supplier.serials,
        supplier.spraying,
    );
}

// ---- the Circular 02/2024/TT-BKHCN data set -----------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lots_circular_02_data_set_reads_as_json_and_as_a_workbook() {
    use calamine::Reader;
    let app = TestApp::spawn().await;
    let lot = lot(&app).await;
    let path = format!("/api/v1/batches/{}/traceability", lot.batch);
    let (s, set) = app.get(&app.admin, &path).await;
    assert_eq!(s, StatusCode::OK, "{set}");
    assert_eq!(set["circular"], "02/2024/TT-BKHCN");
    assert_eq!(set["product"]["trace_code"], "(01)08934588012228");
    assert_eq!(set["lot"]["trace_code"], "(01)08934588012228(10)CF2026A");
    assert_eq!(set["lot"]["growing_area_code"], "VN-66-650-24370-01-21");
    assert_eq!(set["lot"]["stamps_issued"], 5);
    assert_eq!(set["producer"]["name"], "HTX Cà phê Ea Tul");
    let stages = set["stages"].as_array().unwrap();
    let kinds: Vec<&str> = stages.iter().map(|s| s["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["planting", "spraying", "harvesting", "harvesting"]);
    // Work in the field happened in the growing area; every stage names the lot.
    assert_eq!(stages[1]["location_trace_code"], "VN-66-650-24370-01-21");
    assert_eq!(stages[1]["time"], "2026-02-10T06:30:00+07:00");
    assert!(
        stages
            .iter()
            .all(|s| s["product_trace_code"] == "(01)08934588012228(10)CF2026A")
    );
    assert_eq!(
        stages[2]["corrected"], true,
        "the first harvest was corrected"
    );
    assert_eq!(set["certificates"][0]["stars"], 4);
    assert!(
        set["product"]["standards"][0]
            .as_str()
            .unwrap()
            .starts_with("OCOP 4 sao"),
        "{set}"
    );

    let (s, content_type, bytes) = app.download(&app.admin, &format!("{path}.xlsx")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let general = book.worksheet_range("Thong tin chung").unwrap();
    let rows: Vec<Vec<String>> = general
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert!(
        rows.iter()
            .any(|r| r[0] == "Mã truy vết lô hàng" && r[2] == "(01)08934588012228(10)CF2026A"),
        "{rows:?}"
    );
    let stage_rows = book.worksheet_range("Cong doan").unwrap();
    assert_eq!(stage_rows.rows().count(), 1 + 4);
    assert_eq!(stage_rows.get((2, 0)).unwrap().to_string(), "Phun thuốc");
    assert_eq!(
        stage_rows.get((2, 4)).unwrap().to_string(),
        "VN-66-650-24370-01-21"
    );

    // Another organization's members do not read it; nobody reads it without a token.
    let other = app.create_organization("HTX khác").await;
    let stranger = app.token_for(&other, "owner").await;
    let (s, body) = app.get(&stranger, &path).await;
    assert_problem(s, &body, StatusCode::NOT_FOUND, "not_found");
    let (s, _) = app.text(&path).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let _ = (lot.org, lot.run, lot.serials, lot.spraying);
}
