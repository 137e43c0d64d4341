//! A minimal W3C WebDriver client for Debian's chromium + chromedriver: just what the browser
//! tests need (navigate, find, type, click, read text). No browser is ever downloaded.

use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: std::path::PathBuf,
}

/// Why a browser could not be started (used to skip when not required).
pub fn available() -> Result<(), String> {
    for bin in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
        if !std::path::Path::new(bin).exists() {
            return Err(format!("{bin} is missing (apt-get install chromium chromium-driver)"));
        }
    }
    Ok(())
}

impl Browser {
    pub async fn start() -> Result<Browser, String> {
        Self::start_with(true).await
    }

    /// A browser with scripts on or off (`false`: as a phone with JavaScript disabled sees
    /// the pages; WebDriver's own scripts still run).
    pub async fn start_with(script: bool) -> Result<Browser, String> {
        available()?;
        let port =
            std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("chromedriver: {e}"))?;
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let mut ready = false;
        for _ in 0..100 {
            if let Ok(r) = http.get(format!("{base}/status")).send().await
                && r.status().is_success()
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !ready {
            return Err("chromedriver did not become ready".into());
        }
        let profile = std::env::temp_dir().join(format!("wushe-chrome-{}-{port}", std::process::id()));
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "prefs": { "intl.accept_languages": "zh-CN,zh",
                           "profile.managed_default_content_settings.javascript": if script { 1 } else { 2 } },
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-dev-shm-usage",
                         "--window-size=1280,900", "--lang=zh-CN", format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let mut b = Browser { driver, base, session: String::new(), http, _profile: profile };
        let v = b.call(reqwest::Method::POST, "/session", Some(caps)).await?;
        b.session = v["sessionId"].as_str().ok_or("no session id")?.to_string();
        Ok(b)
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{}", self.base, path);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.map_err(|e| e.to_string())?;
        let v: Value = r.json().await.map_err(|e| e.to_string())?;
        if v["value"]["error"].is_string() {
            return Err(format!("{}: {}", v["value"]["error"], v["value"]["message"]));
        }
        Ok(v["value"].clone())
    }

    fn s(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub async fn goto(&self, url: &str) -> Result<(), String> {
        self.call(reqwest::Method::POST, &self.s("/url"), Some(json!({ "url": url }))).await.map(|_| ())
    }

    pub async fn current_url(&self) -> Result<String, String> {
        Ok(self.call(reqwest::Method::GET, &self.s("/url"), None).await?.as_str().unwrap_or_default().to_string())
    }

    pub async fn find(&self, css: &str) -> Result<String, String> {
        let v = self
            .call(reqwest::Method::POST, &self.s("/element"), Some(json!({ "using": "css selector", "value": css })))
            .await?;
        v[ELEMENT_KEY].as_str().map(str::to_string).ok_or_else(|| format!("no element {css}"))
    }

    pub async fn text(&self, css: &str) -> Result<String, String> {
        let id = self.find(css).await?;
        Ok(self
            .call(reqwest::Method::GET, &self.s(&format!("/element/{id}/text")), None)
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string())
    }

    pub async fn type_into(&self, css: &str, text: &str) -> Result<(), String> {
        let id = self.find(css).await?;
        self.call(reqwest::Method::POST, &self.s(&format!("/element/{id}/value")), Some(json!({ "text": text })))
            .await
            .map(|_| ())
    }

    /// Clicks and, when the click navigates, waits until the old page is gone.
    pub async fn click(&self, css: &str) -> Result<(), String> {
        let id = self.find(css).await?;
        self.call(reqwest::Method::POST, &self.s(&format!("/element/{id}/click")), Some(json!({}))).await?;
        for _ in 0..40 {
            match self.call(reqwest::Method::GET, &self.s(&format!("/element/{id}/name")), None).await {
                Err(e) if e.contains("stale") => break,
                _ => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        self.wait_ready().await
    }

    async fn wait_ready(&self) -> Result<(), String> {
        for _ in 0..100 {
            let v = self
                .call(
                    reqwest::Method::POST,
                    &self.s("/execute/sync"),
                    Some(json!({ "script": "return document.readyState", "args": [] })),
                )
                .await?;
            if v == "complete" {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err("page did not finish loading".into())
    }

    pub async fn title(&self) -> Result<String, String> {
        Ok(self.call(reqwest::Method::GET, &self.s("/title"), None).await?.as_str().unwrap_or_default().to_string())
    }

    /// Sets the window to `width` × `height` CSS pixels (a phone is 390 × 844).
    pub async fn resize(&self, width: u32, height: u32) -> Result<(), String> {
        self.call(reqwest::Method::POST, &self.s("/window/rect"), Some(json!({ "width": width, "height": height })))
            .await?;
        self.wait_ready().await
    }

    /// Runs `script` (a function body that returns a value) in the page.
    pub async fn eval(&self, script: &str) -> Result<serde_json::Value, String> {
        self.call(reqwest::Method::POST, &self.s("/execute/sync"), Some(json!({ "script": script, "args": [] }))).await
    }

    /// Forgets every cookie of the site (signs out, drops the preferences).
    pub async fn clear_cookies(&self) -> Result<(), String> {
        self.call(reqwest::Method::DELETE, &self.s("/cookie"), None).await.map(|_| ())
    }

    /// Runs `script` as the body of an async function whose last argument is the callback to
    /// call with the result (WebDriver's execute/async), for scripts such as axe-core's run.
    pub async fn eval_async(&self, script: &str) -> Result<serde_json::Value, String> {
        self.call(reqwest::Method::POST, &self.s("/timeouts"), Some(json!({ "script": 120_000 }))).await?;
        self.call(reqwest::Method::POST, &self.s("/execute/async"), Some(json!({ "script": script, "args": [] }))).await
    }

    /// PNG bytes of the viewport, for looking at what a person sees.
    pub async fn screenshot(&self) -> Result<Vec<u8>, String> {
        let v = self.call(reqwest::Method::GET, &self.s("/screenshot"), None).await?;
        decode_base64(v.as_str().unwrap_or_default())
    }

    pub async fn quit(mut self) {
        let _ = self.call(reqwest::Method::DELETE, &self.s(""), None).await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

fn decode_base64(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return Err("bad base64".into()),
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Ok(out)
}

/// The axe-core version the accessibility checks run (from the npm registry).
pub const AXE_VERSION: &str = "4.14.1";

/// axe-core's script, installed from the npm registry into `target/axe/` on first use (once
/// per test process, however many tests ask at once).
pub fn axe_source() -> Result<String, String> {
    static AXE: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    AXE.get_or_init(install_axe).clone()
}

fn install_axe() -> Result<String, String> {
    let dir = crate::target_dir().join("axe");
    let file = dir.join("node_modules/axe-core/axe.min.js");
    let wanted = format!("\"version\": \"{AXE_VERSION}\"");
    let installed =
        std::fs::read_to_string(dir.join("node_modules/axe-core/package.json")).is_ok_and(|p| p.contains(&wanted));
    if !installed {
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let out = Command::new("npm")
            .args(["install", "--prefix"])
            .arg(&dir)
            .args([&format!("axe-core@{AXE_VERSION}"), "--no-audit", "--no-fund", "--no-save", "--silent"])
            .output()
            .map_err(|e| format!("npm is needed for axe-core (apt-get install npm): {e}"))?;
        if !out.status.success() {
            return Err(format!("npm install axe-core failed: {}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))
}
