//! A minimal W3C WebDriver client over Debian's `chromedriver`, for browser tests that type and
//! click (the console's forms). Only the calls the tests use: new session, navigate, find,
//! type, click, page source, current URL, window size, screenshot.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// The key W3C WebDriver names an element by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Driver {
    process: Child,
    http: reqwest::Client,
    session: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

impl Driver {
    /// Starts chromedriver and a headless Chromium session with the machine's flags.
    pub async fn start(width: u32, height: u32) -> Self {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let process = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (apt install chromium-driver)");
        let http = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let mut session = None;
        for _ in 0..100 {
            let res = http
                .post(format!("{base}/session"))
                .json(&json!({"capabilities": {"alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": "/usr/bin/chromium",
                        // A Vietnamese phone: pages negotiate their language from this.
                        "prefs": {"intl.accept_languages": "vi-VN,vi"},
                        "args": [
                            "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--no-first-run", "--hide-scrollbars",
                            "--lang=vi-VN",
                            format!("--window-size={width},{height}"),
                        ],
                    },
                }}}))
                .send()
                .await;
            if let Ok(res) = res {
                let v: Value = res.json().await.unwrap();
                session = Some(
                    v["value"]["sessionId"]
                        .as_str()
                        .unwrap_or_else(|| panic!("no session: {v}"))
                        .to_owned(),
                );
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let driver = Self {
            process,
            http,
            session: format!("{base}/session/{}", session.expect("chromedriver answered")),
        };
        // Headless Chromium opens no narrower than 500 px; a phone's width is set afterwards.
        driver.resize(width, height).await;
        driver
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let req = self.http.request(method, format!("{}{path}", self.session));
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        let v: Value = req.send().await.unwrap().json().await.unwrap();
        assert!(v["value"].get("error").is_none(), "WebDriver {path}: {v}");
        v["value"].clone()
    }

    pub async fn go(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url})))
            .await;
    }

    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The page's source once it holds `text` (a click's navigation may still be loading).
    /// Up to 15 s: on a loaded two-core CI machine a script's work behind a click took more
    /// than the 5 s this waited before.
    pub async fn wait_for(&self, text: &str) -> String {
        let mut page = String::new();
        for _ in 0..300 {
            page = self.source().await;
            if page.contains(text) {
                return page;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the page never showed {text:?}: {page}");
    }

    async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT].as_str().unwrap().to_owned()
    }

    /// Clears the field and types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/clear"),
            Some(json!({})),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Chooses a file for an `<input type=file>`.
    pub async fn attach(&self, css: &str, file: &Path) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({"text": file.display().to_string()})),
        )
        .await;
    }

    /// The value of one of the page's cookies (HttpOnly ones too).
    pub async fn cookie(&self, name: &str) -> String {
        let v = self
            .call(reqwest::Method::GET, &format!("/cookie/{name}"), None)
            .await;
        v["value"].as_str().unwrap().to_owned()
    }

    /// Signs `login` in on the console's sign-in page at `sign_in_url` (the tests' password)
    /// and waits for the dashboard.
    pub async fn sign_in(&self, sign_in_url: &str, login: &str) {
        self.go(sign_in_url).await;
        self.fill("#login", login).await;
        self.fill("#password", "mật khẩu an toàn").await;
        self.click("button[type=submit]").await;
        self.wait_for("Lô hàng đang sản xuất").await;
    }

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Runs `script` in the page as an async function; it calls its last argument with the
    /// result.
    pub async fn execute_async(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    pub async fn resize(&self, width: u32, height: u32) {
        self.call(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await;
    }

    /// Saves a PNG of the viewport.
    pub async fn screenshot(&self, file: &Path) {
        let b64 = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = data_encoding::BASE64
            .decode(b64.as_str().unwrap().as_bytes())
            .unwrap();
        assert!(png.len() > 5_000, "{} is not empty", file.display());
        std::fs::write(file, png).unwrap();
    }
}

/// A network link between the browser and the service that a test can cut and restore, as
/// signal comes and goes in a paddy: while cut, every open connection is dropped and new ones
/// are closed at once, so the browser's requests fail as they do with no signal (and its
/// service worker's too, which Chromium's own offline emulation does not reach).
pub struct Link {
    pub port: u16,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Requests reach the service but its answers are lost (the signal went as the answer
    /// came back): the connection is closed when the first byte of an answer arrives.
    answers_lost: std::sync::Arc<std::sync::atomic::AtomicBool>,
    open: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Link {
    /// A link on an ephemeral port to `target` (`127.0.0.1:port`).
    pub async fn to(target: String) -> Self {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let answers_lost = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let open = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (up2, lost2, open2) = (up.clone(), answers_lost.clone(), open.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                let lose = lost2.clone();
                let task = tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else {
                        return;
                    };
                    if !lose.load(Ordering::SeqCst) {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        return;
                    }
                    use tokio::io::AsyncReadExt;
                    let (mut from_browser, _to_browser) = inbound.into_split();
                    let (mut from_service, mut to_service) = outbound.into_split();
                    let request = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut from_browser, &mut to_service).await;
                    });
                    let mut first = [0u8; 1];
                    let _ = from_service.read(&mut first).await;
                    request.abort();
                });
                open2.lock().unwrap().push(task.abort_handle());
            }
        });
        Self {
            port,
            up,
            answers_lost,
            open,
        }
    }

    /// From now on requests arrive and their answers are lost, until [`Link::restore`].
    pub fn lose_answers(&self) {
        self.answers_lost
            .store(true, std::sync::atomic::Ordering::SeqCst);
        for task in self.open.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for task in self.open.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    pub fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
        self.answers_lost
            .store(false, std::sync::atomic::Ordering::SeqCst);
        for task in self.open.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}
