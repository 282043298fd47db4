//! Lazada Open Platform (open.lazada.com): every call carries `app_key`, `timestamp` (ms),
//! `sign_method=sha256`, `access_token` and `sign` — the upper-case hex HMAC-SHA256, keyed with
//! the app secret, of the API path followed by every other parameter as `name` + `value`,
//! sorted by name ("Signature algorithm" and "HTTP request sample" in Lazada's documentation).
//!
//! A push migrates each image to Lazada's image store first (`/image/migrate`, as Lazada asks
//! for images hosted by it), then creates the product (`/product/create`) with the migrated
//! URLs. `find` looks an item up by seller SKU (`/products/get`, `sku_seller_list`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Account, ApiClient, ApiConfig, PushError, Pushed, hmac_sha256_hex, id_text, read};
use crate::marketplace::Listing;

pub struct Lazada;

/// The signature of a call to `path` with `params` (everything but `sign`).
pub fn sign(secret: &str, path: &str, params: &BTreeMap<String, String>) -> String {
    let mut message = path.to_owned();
    for (k, v) in params {
        message.push_str(k);
        message.push_str(v);
    }
    hmac_sha256_hex(secret, &message, true)
}

/// Lazada answers HTTP 200 with `code` "0" on success; anything else is an error, of which a
/// few mean "later".
fn outcome(status: u16, retry_after: Option<&str>, body: &str) -> Result<Value, PushError> {
    if !(200..300).contains(&status) {
        return Err(PushError::from_status(status, retry_after, body));
    }
    let v: Value = serde_json::from_str(body).map_err(|_| PushError::Retry {
        status: Some(status),
        after: None,
        detail: format!("not JSON: {}", body.chars().take(200).collect::<String>()),
    })?;
    match v.get("code").and_then(Value::as_str) {
        Some("0") => Ok(v),
        Some(
            code @ ("ApiCallLimit" | "ServiceTimeout" | "ServiceUnavailable" | "InternalError"),
        ) => Err(PushError::Retry {
            status: Some(status),
            after: None,
            detail: format!("Lazada {code}: {}", v["message"]),
        }),
        code => Err(PushError::Refused {
            status: Some(status),
            detail: format!(
                "Lazada {}: {}",
                code.unwrap_or("(no code)"),
                v.get("message").unwrap_or(&Value::Null)
            ),
        }),
    }
}

async fn call(
    http: &reqwest::Client,
    config: &ApiConfig,
    account: &Account,
    path: &str,
    mut params: BTreeMap<String, String>,
    post: bool,
) -> Result<Value, PushError> {
    params.insert("app_key".into(), config.key.clone());
    params.insert(
        "timestamp".into(),
        chrono::Utc::now().timestamp_millis().to_string(),
    );
    params.insert("sign_method".into(), "sha256".into());
    params.insert("access_token".into(), account.access_token.clone());
    let signature = sign(config.secret.as_str(), path, &params);
    params.insert("sign".into(), signature);
    let url = crate::urls::url_under(&config.base_url, path);
    let req = if post {
        http.post(&url).form(&params)
    } else {
        http.get(&url).query(&params)
    };
    let res = req.send().await.map_err(|e| PushError::from_http(&e))?;
    let (status, retry_after, body) = read(res).await?;
    outcome(status, retry_after.as_deref(), &body)
}

#[async_trait::async_trait]
impl ApiClient for Lazada {
    async fn push(
        &self,
        http: &reqwest::Client,
        config: &ApiConfig,
        account: &Account,
        l: &Listing,
        _images: &[Vec<u8>],
        _idempotency_key: &str,
    ) -> Result<Pushed, PushError> {
        let mut images = Vec::with_capacity(l.images.len());
        for img in &l.images {
            let source = config.image_url(img);
            let payload = json!({"Request": {"Image": {"Url": source}}}).to_string();
            let v = call(
                http,
                config,
                account,
                "/image/migrate",
                BTreeMap::from([("payload".to_owned(), payload)]),
                true,
            )
            .await?;
            let url = v["data"]["image"]["url"]
                .as_str()
                .ok_or_else(|| PushError::malformed("image/migrate answered without a URL"))?;
            images.push(url.to_owned());
        }
        let pkg = l.package.unwrap_or_default();
        let payload = json!({"Request": {"Product": {
            "PrimaryCategory": l.category,
            "Images": {"Image": images},
            "Attributes": {"name": l.title, "description": l.description},
            "Skus": {"Sku": [{
                "SellerSku": l.sku,
                "quantity": l.stock,
                "price": l.price_vnd,
                "package_weight": pkg.weight_g / 1000.0,
                "package_length": pkg.length_cm,
                "package_width": pkg.width_cm,
                "package_height": pkg.height_cm,
            }]},
        }}})
        .to_string();
        let v = call(
            http,
            config,
            account,
            "/product/create",
            BTreeMap::from([("payload".to_owned(), payload)]),
            true,
        )
        .await?;
        id_text(&v["data"]["item_id"])
            .map(Pushed::listed)
            .ok_or_else(|| PushError::malformed("product/create answered without an item_id"))
    }

    async fn update(
        &self,
        http: &reqwest::Client,
        config: &ApiConfig,
        account: &Account,
        external_id: &str,
        l: &Listing,
        _images: &[Vec<u8>],
    ) -> Result<Pushed, PushError> {
        let payload = json!({"Request": {"Product": {
            "ItemId": external_id,
            "Attributes": {"name": l.title, "description": l.description},
            "Skus": {"Sku": [{
                "SellerSku": l.sku,
                "quantity": l.stock,
                "price": l.price_vnd,
            }]},
        }}})
        .to_string();
        call(
            http,
            config,
            account,
            "/product/update",
            BTreeMap::from([("payload".to_owned(), payload)]),
            true,
        )
        .await?;
        Ok(Pushed::listed(external_id))
    }

    async fn find(
        &self,
        http: &reqwest::Client,
        config: &ApiConfig,
        account: &Account,
        sku: &str,
    ) -> Result<Option<String>, PushError> {
        let v = call(
            http,
            config,
            account,
            "/products/get",
            BTreeMap::from([
                ("filter".to_owned(), "all".to_owned()),
                ("sku_seller_list".to_owned(), json!([sku]).to_string()),
            ]),
            false,
        )
        .await?;
        Ok(v["data"]["products"]
            .as_array()
            .and_then(|p| p.first())
            .and_then(|p| id_text(&p["item_id"])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Lazada's "HTTP request sample" page (GetOrder, App Secret
    /// "helloworld"): https://open.lazada.com/doc/doc.htm?docId=108069 (mirrored at
    /// open.alitrip.com/docs/doc.htm?articleId=108069).
    #[test]
    fn signing_matches_lazadas_documented_example() {
        let params = BTreeMap::from([
            ("app_key".to_owned(), "123456".to_owned()),
            ("access_token".to_owned(), "test".to_owned()),
            ("timestamp".to_owned(), "1517820392000".to_owned()),
            ("sign_method".to_owned(), "sha256".to_owned()),
            ("order_id".to_owned(), "1234".to_owned()),
        ]);
        assert_eq!(
            sign("helloworld", "/order/get", &params),
            "4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A"
        );
    }

    #[test]
    fn answers_are_sorted_into_success_retry_and_refusal() {
        assert!(outcome(200, None, r#"{"code":"0","data":{}}"#).is_ok());
        assert!(matches!(
            outcome(
                200,
                None,
                r#"{"code":"ApiCallLimit","message":"slow down"}"#
            ),
            Err(PushError::Retry { .. })
        ));
        assert!(matches!(
            outcome(200, None, r#"{"code":"IllegalAccessToken","message":"no"}"#),
            Err(PushError::Refused { .. })
        ));
        assert!(matches!(
            outcome(429, Some("7"), ""),
            Err(PushError::Retry { after: Some(d), .. }) if d.as_secs() == 7
        ));
        assert!(matches!(
            outcome(503, None, ""),
            Err(PushError::Retry { .. })
        ));
        assert!(matches!(
            outcome(400, None, ""),
            Err(PushError::Refused { .. })
        ));
    }
}
