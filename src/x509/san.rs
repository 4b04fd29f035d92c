//! Subject alternative names: what each kind accepts, and the validated set.
//!
//! The service's own rules for SAN values are not recorded. kvcert refuses what would make
//! the certificate invalid under RFC 5280 §4.2.1.6 or unusable by TLS stacks, and keeps the
//! rest verbatim (duplicates included: the policy echoes the lists as sent).

use core::fmt;
use std::net::IpAddr;

/// Longest DNS name (RFC 1035 §2.3.4).
pub const MAX_DNS_LEN: usize = 253;
/// Longest e-mail address (64-octet local part, `@`, 255-octet domain).
pub const MAX_EMAIL_LEN: usize = 320;
/// Longest user principal name.
pub const MAX_UPN_LEN: usize = 1024;
/// Longest URI.
pub const MAX_URI_LEN: usize = 2048;

/// Why a SAN value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanError(&'static str);

impl fmt::Display for SanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for SanError {}

/// A `dNSName`: ASCII labels of letters, digits, `-` and `_` (1–63 characters, not starting or
/// ending with `-`), at most 253 characters, no trailing dot; the leftmost label may be a lone
/// `*` wildcard (`*.contoso.com`, RFC 6125 §6.4.3). Internationalised names must be given in
/// their A-label (`xn--`) form.
///
/// ```
/// use kvcert::x509::san::dns_name;
/// assert!(dns_name("*.api.contoso.com").is_ok());
/// assert!(dns_name("a*.contoso.com").is_err());
/// ```
pub fn dns_name(s: &str) -> Result<(), SanError> {
    if s.is_empty() || s.len() > MAX_DNS_LEN {
        return Err(SanError("is empty or longer than 253 characters"));
    }
    let rest = s.strip_prefix("*.").unwrap_or(s);
    for label in rest.split('.') {
        let b = label.as_bytes();
        if b.is_empty() || b.len() > 63 {
            return Err(SanError(
                "has an empty label or one longer than 63 characters",
            ));
        }
        if !b
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
        {
            return Err(SanError(
                "has a character outside letters, digits, '-' and '_'",
            ));
        }
        if b[0] == b'-' || b[b.len() - 1] == b'-' {
            return Err(SanError("has a label starting or ending with '-'"));
        }
    }
    Ok(())
}

/// An `rfc822Name`: `local@domain`, ASCII, the local part without spaces, control characters
/// or `@`, the domain a DNS name without wildcard.
pub fn email(s: &str) -> Result<(), SanError> {
    if s.len() > MAX_EMAIL_LEN {
        return Err(SanError("is longer than 320 characters"));
    }
    let (local, domain) = s.split_once('@').ok_or(SanError("has no '@'"))?;
    if local.is_empty()
        || local.len() > 64
        || !local.bytes().all(|c| c.is_ascii_graphic() && c != b'@')
    {
        return Err(SanError(
            "has an empty, over-long or non-printable local part",
        ));
    }
    if domain.starts_with('*') {
        return Err(SanError("has a wildcard domain"));
    }
    dns_name(domain)
}

/// A user principal name (otherName 1.3.6.1.4.1.311.20.2.3, UTF8String): non-empty, at most
/// 1024 bytes, no control characters.
pub fn upn(s: &str) -> Result<(), SanError> {
    if s.is_empty() || s.len() > MAX_UPN_LEN {
        return Err(SanError("is empty or longer than 1024 bytes"));
    }
    if s.chars().any(char::is_control) {
        return Err(SanError("has a control character"));
    }
    Ok(())
}

/// An `iPAddress`: IPv4 dotted quad or IPv6 text (RFC 4291 §2.2), no zone.
pub fn ip_address(s: &str) -> Result<IpAddr, SanError> {
    s.parse()
        .map_err(|_| SanError("is not an IPv4 or IPv6 address"))
}

/// A `uniformResourceIdentifier`: absolute (`scheme:` then something, RFC 3986 §3; RFC 5280
/// §4.2.1.6 forbids relative references), ASCII without spaces, controls or the characters
/// RFC 3986 never allows (`"<>\^`{|}`), `%` followed by two hex digits, at most 2048 bytes.
pub fn uri(s: &str) -> Result<(), SanError> {
    if s.is_empty() || s.len() > MAX_URI_LEN {
        return Err(SanError("is empty or longer than 2048 characters"));
    }
    let (scheme, rest) = s.split_once(':').ok_or(SanError("has no scheme"))?;
    let sb = scheme.as_bytes();
    if sb.is_empty()
        || !sb[0].is_ascii_alphabetic()
        || !sb
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(c))
    {
        return Err(SanError("has an invalid scheme"));
    }
    if rest.is_empty() {
        return Err(SanError("has nothing after the scheme"));
    }
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !c.is_ascii_graphic() || b"\"<>\\^`{|}".contains(&c) {
            return Err(SanError("has a character URIs do not allow"));
        }
        if c == b'%' {
            let ok = b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                return Err(SanError("has a '%' not followed by two hex digits"));
            }
            i += 2;
        }
        i += 1;
    }
    Ok(())
}

/// Subject alternative names, each list in request order: built only by the policy's
/// validation (`IssuancePlan::new`), so every entry is one the service accepts; read through the
/// accessors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectAltNames {
    /// dNSName entries.
    pub(crate) dns_names: Vec<String>,
    /// rfc822Name entries.
    pub(crate) emails: Vec<String>,
    /// User principal names (otherName 1.3.6.1.4.1.311.20.2.3).
    pub(crate) upns: Vec<String>,
    /// iPAddress entries, with the text as sent (for the echo).
    pub(crate) ip_addresses: Vec<(IpAddr, String)>,
    /// uniformResourceIdentifier entries.
    pub(crate) uris: Vec<String>,
    /// Which lists the request carried, in wire order (absent lists are not echoed).
    pub(crate) present: Present,
}

/// Which SAN lists a request carried.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Present {
    pub emails: bool,
    pub dns_names: bool,
    pub upns: bool,
    pub uris: bool,
    pub ip_addresses: bool,
}

impl SubjectAltNames {
    /// dNSName entries, in request order.
    pub fn dns_names(&self) -> &[String] {
        &self.dns_names
    }

    /// rfc822Name entries, in request order.
    pub fn emails(&self) -> &[String] {
        &self.emails
    }

    /// User principal names (otherName 1.3.6.1.4.1.311.20.2.3), in request order.
    pub fn upns(&self) -> &[String] {
        &self.upns
    }

    /// iPAddress entries with the text as sent (for the echo), in request order.
    pub fn ip_addresses(&self) -> &[(IpAddr, String)] {
        &self.ip_addresses
    }

    /// uniformResourceIdentifier entries, in request order.
    pub fn uris(&self) -> &[String] {
        &self.uris
    }

    /// Whether there is no name at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many names there are.
    pub fn len(&self) -> usize {
        self.dns_names.len()
            + self.emails.len()
            + self.upns.len()
            + self.ip_addresses.len()
            + self.uris.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        for ok in [
            "a",
            "localhost",
            "sdk.azure-int.net",
            "*.microsoft.com",
            "_acme.x.io",
            "xn--bcher-kva.example",
            &format!("{}.com", "a".repeat(63)),
        ] {
            assert!(dns_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a..b",
            ".a",
            "a.",
            "*",
            "*.",
            "a.*.b",
            "**.a",
            "a*.b",
            "-a.b",
            "a-.b",
            "a b",
            "bücher.de",
            "a/b",
            &format!("{}.com", "a".repeat(64)),
            &"a.".repeat(127),
        ] {
            assert!(dns_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn emails() {
        assert!(email("ops@contoso.com").is_ok());
        assert!(email("first.last+tag@sub.contoso.com").is_ok());
        for bad in [
            "",
            "ops",
            "@contoso.com",
            "ops@",
            "a b@c.com",
            "a@b@c.com",
            "ops@*.contoso.com",
            "é@contoso.com",
        ] {
            assert!(email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn upns_ips_uris() {
        assert!(upn("svc@contoso.com").is_ok());
        assert!(upn("ünï@contoso").is_ok());
        assert!(upn("").is_err() && upn("a\nb").is_err());
        assert!(ip_address("10.0.0.1").is_ok() && ip_address("2001:db8::1").is_ok());
        assert!(ip_address("::ffff:1.2.3.4").is_ok());
        for bad in [
            "",
            "1.2.3",
            "01.2.3.4",
            "256.1.1.1",
            "fe80::1%eth0",
            "1.2.3.4/24",
            " 1.2.3.4",
        ] {
            assert!(ip_address(bad).is_err(), "{bad:?}");
        }
        for ok in [
            "https://contoso.com/a?b=c#d",
            "spiffe://contoso.com/api",
            "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
            "mailto:a@b.c",
            "http://x/%20",
        ] {
            assert!(uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "contoso.com",
            "/relative",
            "1http://x",
            "http:",
            "http://a b",
            "http://x/%2",
            "http://x/<y>",
            "http://é",
        ] {
            assert!(uri(bad).is_err(), "{bad:?}");
        }
    }
}
