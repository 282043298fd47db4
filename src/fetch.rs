//! Reading a response body from a server this service does not control (a witness, a log a
//! monitor follows) without letting it decide how much memory is taken: past `max` bytes the
//! read stops with an error instead of buffering whatever is sent.

#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("the response is larger than {0} bytes")]
    TooLarge(usize),
    #[error("reading the response: {0}")]
    Read(String),
}

/// The whole body, if it is at most `max` bytes.
pub async fn body_limited(mut res: reqwest::Response, max: usize) -> Result<Vec<u8>, BodyError> {
    if res.content_length().is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge(max));
    }
    let mut body = Vec::new();
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|e| BodyError::Read(e.without_url().to_string()))?
    {
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge(max));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
