//! Object keys as S3 writes them in event notifications: URL-encoded, with
//! `+` for a space
//! (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html>).

/// The key `encoded` names; `None` when an escape is not two hex digits or
/// the bytes are not UTF-8.
pub fn decode(encoded: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(encoded.len());
    let mut rest = encoded.bytes();
    while let Some(b) = rest.next() {
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hi = (rest.next()? as char).to_digit(16)?;
                let lo = (rest.next()? as char).to_digit(16)?;
                bytes.push((hi * 16 + lo) as u8);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn keys_are_decoded_as_s3_encodes_them() {
        assert_eq!(
            decode("reports/2026+q4.csv").as_deref(),
            Some("reports/2026 q4.csv")
        );
        assert_eq!(
            decode("caf%C3%A9%2Bthe.txt").as_deref(),
            Some("café+the.txt")
        );
        assert_eq!(decode("plain").as_deref(), Some("plain"));
        assert_eq!(decode("bad%2"), None);
        assert_eq!(decode("bad%zz"), None);
        assert_eq!(decode("%FF"), None);
    }
}
