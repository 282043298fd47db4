//! The scan journal (services/scan_journal.rs): scans a node answered and had not committed when
//! its process died are stored when it starts again, each once. The real `kill -9` under load
//! is `bench/scan_nodes.sh`, run by `.ci/run`.

use crate::helpers::TestApp;
use crate::scan::{BROWSER, get, path_of, world};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use uuid::Uuid;

async fn number(app: &TestApp, sql: &str, serial: &str) -> i64 {
    scalar(app, sql, [serial.into()]).await
}

/// The one number `sql` selects, with `values` bound (`?` on SQLite, `$n` on PostgreSQL).
async fn scalar<const N: usize>(app: &TestApp, sql: &str, values: [sea_orm::Value; N]) -> i64 {
    let backend = app.db.read().get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => (1..=N).fold(sql.to_owned(), |sql, n| {
            sql.replacen('?', &format!("${n}"), 1)
        }),
        _ => sql.to_owned(),
    };
    let row = app
        .db
        .read()
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test]
async fn scans_a_killed_node_answered_are_stored_once_when_it_starts_again() {
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 2).await;
    let serial = |i: usize| stamps[i]["serial"].as_str().unwrap().to_owned();
    let (a, b) = (serial(0), serial(1));
    let (s, _, body) = get(&app, &path_of(&stamps[0]), &[BROWSER]).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    app.state.scans.flush().await;
    let committed: Uuid = app
        .db
        .read()
        .query_one_raw(Statement::from_string(
            app.db.read().get_database_backend(),
            format!("SELECT id FROM scans WHERE serial = '{a}'"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();

    // What a node killed right after answering three more scans (two of A, one of B) leaves:
    // its segment also holds the scan it had committed, and its last line was cut short.
    let dir = app.data_dir.path().join("killed-node-journal");
    std::fs::create_dir_all(&dir).unwrap();
    let now = chrono::Utc::now().timestamp_nanos_opt().unwrap();
    let line =
        |id: Uuid, serial: &str| format!("{} {serial} {now} {} vi\n", id.simple(), "ab".repeat(32));
    let segment = dir.join("scans-0000000000000007.log");
    let text = [
        line(committed, &a),
        line(Uuid::now_v7(), &a),
        line(Uuid::now_v7(), &a),
        line(Uuid::now_v7(), &b),
        format!("{} {b} 17", Uuid::now_v7().simple()),
    ]
    .concat();
    std::fs::write(&segment, text).unwrap();

    let node = app
        .second_server_with(|s| s.scan_journal_dir = dir.clone())
        .await;
    // The node answers once it has stored what the journal held.
    let health = reqwest::get(format!("{node}/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    let count = "SELECT scan_count FROM stamp_scans WHERE serial = ?";
    let rows = "SELECT COUNT(*) FROM scans WHERE serial = ?";
    assert_eq!(
        number(&app, count, &a).await,
        3,
        "one committed + two restored"
    );
    assert_eq!(number(&app, rows, &a).await, 3);
    assert_eq!(number(&app, count, &b).await, 1);
    assert_eq!(number(&app, rows, &b).await, 1);
    assert!(!segment.exists(), "a restored segment is deleted");

    // The node's pages count on from there.
    let (s, _, body) = get(&app, &path_of(&stamps[1]), &[BROWSER]).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    app.state.scans.flush().await;
    assert_eq!(number(&app, count, &b).await, 2);
}

#[tokio::test]
async fn a_journal_of_more_scans_than_a_group_is_stored_whole() {
    // 1,100 scans of 600 stamps: more than a group of the writer (1,024) and more than its
    // largest statement (512 rows on SQLite, 64 on PostgreSQL), so the largest statements run
    // against the database.
    let app = TestApp::spawn().await;
    let (_, stamps) = world(&app, 600).await;
    let dir = app.data_dir.path().join("big-journal");
    std::fs::create_dir_all(&dir).unwrap();
    let now = chrono::Utc::now().timestamp_nanos_opt().unwrap();
    let mut text = String::new();
    for (i, stamp) in stamps.iter().enumerate() {
        let serial = stamp["serial"].as_str().unwrap();
        for n in 0..(if i < 500 { 1 } else { 6 }) {
            text.push_str(&format!(
                "{} {serial} {} {} vi\n",
                Uuid::now_v7().simple(),
                now + n,
                "cd".repeat(32)
            ));
        }
    }
    std::fs::write(dir.join("scans-0000000000000001.log"), text).unwrap();
    let node = app
        .second_server_with(|s| s.scan_journal_dir = dir.clone())
        .await;
    let health = reqwest::get(format!("{node}/healthz")).await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    let total = |sql| scalar(&app, sql, []);
    assert_eq!(total("SELECT COUNT(*) FROM scans").await, 1100);
    assert_eq!(
        total("SELECT CAST(SUM(scan_count) AS BIGINT) FROM stamp_scans").await,
        1100
    );
    assert_eq!(total("SELECT COUNT(*) FROM stamp_scans").await, 600);
    let count = "SELECT scan_count FROM stamp_scans WHERE serial = ?";
    let serial = |i: usize| stamps[i]["serial"].as_str().unwrap().to_owned();
    assert_eq!(number(&app, count, &serial(0)).await, 1);
    assert_eq!(number(&app, count, &serial(499)).await, 1);
    assert_eq!(number(&app, count, &serial(500)).await, 6);
    assert_eq!(number(&app, count, &serial(599)).await, 6);
}
