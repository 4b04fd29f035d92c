//! What each fuzz target does with one input.
//!
//! This file is shared: the fuzz targets call it through the `kvcert_fuzz` library, and
//! the parent crate's test binary includes it with `#[path]` (`tests/it/main.rs`, module
//! `checks`): `tests/it/fuzz_corpus.rs` replays the corpus through it.
//! It therefore uses only kvcert's public API (plus `serde_json`, `der`, `x509-cert` and `base64ct`,
//! which the parent crate's tests can also reach). A property that does not hold panics.

use base64ct::Encoding as _;
use der::{Decode, Encode};

/// The certificate name the `policy_json` target uses (a valid one, so the body is read).
pub const CERT_NAME: &str = "fuzzcert";

/// `policy_json`: a Create Certificate request body.
///
/// `IssuancePlan::from_json` must not panic. On success the stored policy must serialise to
/// JSON; on refusal the Key Vault error body must serialise and carry a non-empty message.
/// No key is generated here (RSA key generation is far too slow for fuzzing).
///
/// Returns whether the body was accepted (the fuzz target ignores it; the replay test counts).
pub fn policy_json(data: &[u8]) -> bool {
    match kvcert::service::plan::IssuancePlan::from_json(CERT_NAME, data) {
        Ok(plan) => {
            let stored = plan.stored_policy();
            let json = serde_json::to_vec(&stored)
                .unwrap_or_else(|e| panic!("stored policy does not serialise: {e}"));
            assert!(!json.is_empty(), "stored policy serialised to nothing");
            true
        }
        Err(err) => {
            let body = err.to_key_vault_error();
            assert!(
                !body.error.message.is_empty(),
                "empty error message for {err:?}"
            );
            let json = serde_json::to_vec(&body)
                .unwrap_or_else(|e| panic!("error body does not serialise: {e} ({err:?})"));
            assert!(!json.is_empty(), "error body serialised to nothing");
            false
        }
    }
}

/// `subject_dn`: an RFC 4514 subject string (inputs that are not UTF-8 are skipped).
///
/// Parsing and `to_der` must not panic. When both succeed, the DER must decode as an
/// `x509_cert::name::Name` with as many RDNs as were parsed, and re-encode to the same bytes
/// (kvcert writes DER, so the encoding is canonical).
///
/// Returns whether the subject was parsed and encoded (the replay test counts).
pub fn subject_dn(data: &[u8]) -> bool {
    let Ok(text) = core::str::from_utf8(data) else {
        return false;
    };
    let Ok(dn) = text.parse::<kvcert::x509::name::DistinguishedName>() else {
        return false;
    };
    let Ok(der) = dn.to_der() else {
        return false;
    };
    let name = x509_cert::name::Name::from_der(&der).unwrap_or_else(|e| {
        panic!("kvcert's DER for {text:?} does not decode as a Name: {e}; DER {der:02x?}")
    });
    assert_eq!(
        name.len(),
        dn.rdns().len(),
        "RDN count differs for {text:?}"
    );
    let again = name
        .to_der()
        .unwrap_or_else(|e| panic!("decoded Name for {text:?} does not re-encode: {e}"));
    assert_eq!(again, der, "DER for {text:?} is not canonical");
    true
}

// ---------------------------------------------------------------------------------------------
// san_values
// ---------------------------------------------------------------------------------------------

/// The `sans` fields of the `san_values` target, in selector order.
///
/// The selector is the input's first byte `b`; the kind is `(b − b'0') mod 5`, so `'0'` is
/// `dns_names`, `'1'` `emails`, `'2'` `upns`, `'3'` `ipAddresses`, `'4'` `uris` (and every other
/// byte picks one too).
pub const SAN_FIELDS: [&str; 5] = ["dns_names", "emails", "upns", "ipAddresses", "uris"];

/// `san_values`: a selector byte, then a SAN value (inputs whose rest is not UTF-8 are skipped).
///
/// All five validators of `kvcert::x509::san` run on the value and must not panic; an accepted value
/// must meet the documented contract of its kind (ASCII for the IA5String kinds, the length
/// bounds, …). If the selected kind accepts it, a policy whose only name is that value must be
/// accepted by `IssuancePlan::from_json`, and the plan and its stored policy must hold the value
/// unchanged.
///
/// Returns whether the selected kind accepted the value.
pub fn san_values(data: &[u8]) -> bool {
    use kvcert::x509::san;
    let Some((&selector, rest)) = data.split_first() else {
        return false;
    };
    let Ok(s) = core::str::from_utf8(rest) else {
        return false;
    };
    let kind = (usize::from(selector) + 2) % 5;
    let ip = san::ip_address(s);
    let verdicts = [
        san::dns_name(s).is_ok(),
        san::email(s).is_ok(),
        san::upn(s).is_ok(),
        ip.is_ok(),
        san::uri(s).is_ok(),
    ];
    check_san_contracts(s, verdicts);
    if !verdicts[kind] {
        return false;
    }

    let field = SAN_FIELDS[kind];
    let mut sans = serde_json::Map::new();
    sans.insert(field.to_owned(), serde_json::json!([s]));
    let body = serde_json::json!({
        "policy": {
            "issuer": {"name": "Self"},
            "key_props": {"kty": "EC", "crv": "P-256"},
            "x509_props": {"sans": sans}
        }
    });
    let body = serde_json::to_vec(&body).expect("a JSON value serialises");
    let plan =
        kvcert::service::plan::IssuancePlan::from_json(CERT_NAME, &body).unwrap_or_else(|e| {
            panic!(
                "{field} accepts {s:?} but the policy is refused: {e:?}\nbody: {}",
                String::from_utf8_lossy(&body)
            )
        });
    let names = plan.sans().expect("the policy has sans");
    assert_eq!(names.len(), 1, "{field} {s:?}: one name in the plan");
    let one = [s.to_owned()];
    match kind {
        0 => assert_eq!(names.dns_names(), one, "dns_names {s:?}"),
        1 => assert_eq!(names.emails(), one, "emails {s:?}"),
        2 => assert_eq!(names.upns(), one, "upns {s:?}"),
        3 => {
            let addr = ip.expect("accepted above");
            assert_eq!(
                names.ip_addresses(),
                [(addr, s.to_owned())],
                "ipAddresses {s:?}"
            );
        }
        _ => assert_eq!(names.uris(), one, "uris {s:?}"),
    }
    // The stored policy echoes the list as sent.
    let stored = plan.stored_policy();
    let echoed = stored
        .x509_props
        .and_then(|x| x.sans)
        .expect("stored policy has sans");
    let list = match kind {
        0 => echoed.dns_names,
        1 => echoed.emails,
        2 => echoed.upns,
        3 => echoed.ip_addresses,
        _ => echoed.uris,
    };
    assert_eq!(list.as_deref(), Some(&one[..]), "{field} {s:?}: echo");
    true
}

/// What an accepted value of each kind must be (`src/san.rs` docs, RFC 5280 §4.2.1.6).
fn check_san_contracts(s: &str, [dns, email, upn, ip, uri]: [bool; 5]) {
    if dns {
        assert!(
            !s.is_empty() && s.len() <= kvcert::x509::san::MAX_DNS_LEN && s.is_ascii(),
            "dns_name accepted {s:?}: empty, too long or not ASCII (IA5String)"
        );
        let rest = s.strip_prefix("*.").unwrap_or(s);
        assert!(
            rest.split('.').all(|l| !l.is_empty() && l.len() <= 63),
            "dns_name accepted {s:?}: an empty or over-long label"
        );
        assert!(
            rest.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
            "dns_name accepted {s:?}: a character outside letters, digits, '-', '_'"
        );
    }
    if email {
        assert!(
            s.is_ascii() && s.len() <= kvcert::x509::san::MAX_EMAIL_LEN,
            "email accepted {s:?}: not ASCII (IA5String) or too long"
        );
        let (local, domain) = s
            .split_once('@')
            .expect("email accepted a value without '@'");
        assert!(
            !local.is_empty() && local.len() <= 64 && !s[local.len() + 1..].contains('@'),
            "email accepted {s:?}: bad local part or a second '@'"
        );
        assert!(
            kvcert::x509::san::dns_name(domain).is_ok() && !domain.contains('*'),
            "email accepted {s:?}: the domain is not a DNS name without wildcard"
        );
        assert!(
            !s.chars().any(char::is_whitespace),
            "email accepted {s:?}: whitespace"
        );
    }
    if upn {
        assert!(
            !s.is_empty() && s.len() <= kvcert::x509::san::MAX_UPN_LEN,
            "upn accepted {s:?}: empty or too long"
        );
        assert!(
            !s.chars().any(char::is_control),
            "upn accepted {s:?}: a control character"
        );
    }
    // Every e-mail address and DNS name is a valid UPN (non-empty, no controls, short enough).
    if dns || email {
        assert!(upn, "{s:?} is a DNS name or e-mail address but not a UPN");
    }
    if ip {
        assert!(
            s.parse::<std::net::IpAddr>().is_ok() && !s.contains(['%', '/', ' ']),
            "ip_address accepted {s:?}"
        );
    }
    if uri {
        assert!(
            s.is_ascii() && s.len() <= kvcert::x509::san::MAX_URI_LEN,
            "uri accepted {s:?}: not ASCII (IA5String) or too long"
        );
        assert!(
            !s.bytes().any(|b| b.is_ascii_control() || b == b' '),
            "uri accepted {s:?}: a space or control character"
        );
        let (scheme, rest) = s.split_once(':').expect("uri accepted a value without ':'");
        assert!(
            scheme.starts_with(|c: char| c.is_ascii_alphabetic()) && !rest.is_empty(),
            "uri accepted {s:?}: no scheme or nothing after it"
        );
        let b = s.as_bytes();
        for (i, _) in s.match_indices('%') {
            assert!(
                b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit),
                "uri accepted {s:?}: '%' without two hex digits"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// roundtrip
// ---------------------------------------------------------------------------------------------

/// `roundtrip`: the input drives a generator of valid-by-construction policies
/// ([`RoundtripCase::from_bytes`]); each one is issued and re-parsed ([`roundtrip_case`]).
///
/// Returns `true` (every case issues; a refusal is a failure).
pub fn roundtrip(data: &[u8]) -> bool {
    roundtrip_case(&RoundtripCase::from_bytes(data));
    true
}

/// The issuance instants a case picks from: month ends, a leap day, the UTCTime →
/// GeneralizedTime switch in 2050 (RFC 5280 §4.1.2.5) and the earliest `now` kvcert accepts.
pub const NOWS: [&str; 8] = [
    "2026-01-15T12:00:00Z",
    "2024-01-31T23:59:59Z",
    "2024-02-29T00:00:00Z",
    "2023-03-31T08:30:00Z",
    "2025-12-31T23:59:59Z",
    "2049-11-30T12:00:00Z",
    "2050-01-01T00:09:59Z",
    "1970-01-01T00:10:00Z",
];

/// The seed of every issuance (key, serial, ids).
pub const ISSUE_SEED: u64 = 0x6b76_6365_7274;
/// The seed of the one RSA-2048 key a process generates.
pub const RSA_SEED: u64 = 2048;

/// The key a case issues with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChoice {
    /// A fresh EC key from [`ISSUE_SEED`].
    Ec(kvcert::Curve),
    /// The fixed RSA-2048 key ([`fixed_rsa_key`]).
    Rsa2048,
}

/// The keys, in the order the byte generator picks them.
pub const KEY_CHOICES: [KeyChoice; 5] = [
    KeyChoice::Ec(kvcert::Curve::P256),
    KeyChoice::Ec(kvcert::Curve::P384),
    KeyChoice::Ec(kvcert::Curve::P521),
    KeyChoice::Ec(kvcert::Curve::P256K),
    KeyChoice::Rsa2048,
];

/// A subject attribute keyword (the first spelling): its OID, the spellings kvcert must accept
/// for it, and whether its text is IA5String (else PrintableString/UTF8String).
#[derive(Debug)]
pub struct Keyword {
    /// Dotted OID.
    pub oid: &'static str,
    /// Spellings: keyword, aliases, other cases, the dotted OID, `OID.`-prefixed.
    pub spellings: &'static [&'static str],
    /// IA5String when ASCII (E, DC), else the directory-string rule.
    pub ia5: bool,
}

/// The keywords the generator uses.
pub const KEYWORDS: [Keyword; 9] = [
    Keyword {
        oid: "2.5.4.3",
        spellings: &["CN", "cn", "Cn", "2.5.4.3", "OID.2.5.4.3", "oid.2.5.4.3"],
        ia5: false,
    },
    Keyword {
        oid: "2.5.4.10",
        spellings: &["O", "o", "2.5.4.10", "OID.2.5.4.10"],
        ia5: false,
    },
    Keyword {
        oid: "2.5.4.11",
        spellings: &["OU", "ou", "Ou", "2.5.4.11"],
        ia5: false,
    },
    Keyword {
        oid: "2.5.4.7",
        spellings: &["L", "l", "2.5.4.7"],
        ia5: false,
    },
    Keyword {
        oid: "2.5.4.8",
        spellings: &["ST", "S", "st", "2.5.4.8"],
        ia5: false,
    },
    Keyword {
        oid: "2.5.4.6",
        spellings: &["C", "c", "2.5.4.6"],
        ia5: false,
    },
    Keyword {
        oid: "1.2.840.113549.1.9.1",
        spellings: &[
            "E",
            "EMAIL",
            "EMAILADDRESS",
            "emailAddress",
            "1.2.840.113549.1.9.1",
        ],
        ia5: true,
    },
    Keyword {
        oid: "0.9.2342.19200300.100.1.25",
        spellings: &["DC", "dc", "0.9.2342.19200300.100.1.25"],
        ia5: true,
    },
    Keyword {
        oid: "2.5.4.5",
        spellings: &["SERIALNUMBER", "serialNumber", "2.5.4.5"],
        ia5: false,
    },
];

/// Characters of subject values and UPNs: letters, digits, every RFC 4514 special (`,` `+`
/// `"` `\` `<` `>` `;` `#` `=` and space), PrintableString punctuation, IA5-only ASCII, and
/// non-ASCII of 2, 3 and 4 UTF-8 bytes (no control characters).
pub const VALUE_CHARS: &[char] = &[
    'a', 'b', 'z', 'A', 'Q', 'Z', '0', '5', '9', ' ', ' ', ',', '+', '"', '\\', '<', '>', ';', '#',
    '=', '\'', '(', ')', '-', '.', '/', ':', '?', '*', '@', '_', '&', '%', '!', '~', '`', '|', 'é',
    'ü', 'ß', 'Ω', '\u{a0}', '日', '本', '€', '😀',
];

/// One attribute of a subject RDN, with how it is written.
#[derive(Debug, Clone)]
pub struct SubjectAttr {
    /// Index into [`KEYWORDS`] (taken modulo its length).
    pub keyword: usize,
    /// The value (an empty one is replaced by `x`).
    pub value: String,
    /// Which spelling of the keyword (modulo the number of spellings).
    pub spelling: u8,
    /// How the value is written (`style % 16`): `0` RFC 2253 quoted, `1` `#` + the DER of a
    /// UTF8String, `2` every byte `\XX`-escaped, `3..=8` RFC 4514 with only the escapes it
    /// requires, `9..=15` RFC 4514 with extra escapes chosen by `escapes`.
    pub style: u8,
    /// Bit `i % 32`: escape character `i` even if it need not be (styles 9–15); bit
    /// `(i + 16) % 32`: `\XX` rather than `\c` for a special character; bit 31: uppercase hex.
    pub escapes: u32,
}

/// A subject: RDNs in string order (multi-valued RDNs have several attributes).
#[derive(Debug, Clone, Default)]
pub struct SubjectSpec {
    /// The RDNs (empty means no subject; see `layout`).
    pub rdns: Vec<Vec<SubjectAttr>>,
    /// Bits 0–2: RDN separator (`,` `, ` `;` ` ; ` ` , `); bit 3: ` + ` for `+`; bit 4:
    /// ` = ` for `=`; bit 5: a leading and a trailing space; bits 6–7, for an empty subject:
    /// absent, `""`, `" "`, `"   "`.
    pub layout: u8,
}

/// An `ipAddresses` entry and how its text is written.
#[derive(Debug, Clone, Copy)]
pub struct IpSan {
    /// The address.
    pub addr: std::net::IpAddr,
    /// IPv4: `form % 3 == 2` writes it IPv4-mapped (`::ffff:a.b.c.d`, a 16-byte iPAddress).
    /// IPv6: `0` compressed, `1` eight 4-digit lowercase groups, `2` uppercase groups.
    pub form: u8,
}

impl IpSan {
    /// The text sent and the iPAddress octets expected.
    pub fn render(&self) -> (String, Vec<u8>) {
        use std::net::IpAddr;
        match self.addr {
            IpAddr::V4(a) if self.form % 3 == 2 => {
                (format!("::ffff:{a}"), a.to_ipv6_mapped().octets().to_vec())
            }
            IpAddr::V4(a) => (a.to_string(), a.octets().to_vec()),
            IpAddr::V6(a) => {
                let groups = a.segments();
                let text = match self.form % 3 {
                    0 => a.to_string(),
                    1 => groups.map(|g| format!("{g:04x}")).join(":"),
                    _ => groups.map(|g| format!("{g:X}")).join(":"),
                };
                (text, a.octets().to_vec())
            }
        }
    }
}

/// The `sans` object; `None` lists are left out of the JSON.
#[derive(Debug, Clone, Default)]
pub struct SansSpec {
    /// dNSName values (valid by construction).
    pub dns_names: Option<Vec<String>>,
    /// rfc822Name values.
    pub emails: Option<Vec<String>>,
    /// UPN otherName values.
    pub upns: Option<Vec<String>>,
    /// iPAddress values.
    pub ip_addresses: Option<Vec<IpSan>>,
    /// URI values.
    pub uris: Option<Vec<String>>,
}

/// `ekus`.
#[derive(Debug, Clone)]
pub enum EkuSpec {
    /// Not sent: serverAuth, clientAuth.
    Absent,
    /// `[]`: no EKU extension.
    Empty,
    /// These OIDs, in order (duplicates allowed).
    List(Vec<String>),
}

/// A valid-by-construction Create Certificate policy, before rendering to JSON.
#[derive(Debug, Clone)]
pub struct RoundtripCase {
    /// The key.
    pub key: KeyChoice,
    /// How `key_props` is spelled (see [`key_props_json`]).
    pub key_spelling: u8,
    /// The subject.
    pub subject: SubjectSpec,
    /// `sans`, if sent.
    pub sans: Option<SansSpec>,
    /// `key_usage`: `(index into the nine usages, spelling)`; `None` = not sent.
    pub key_usage: Option<Vec<(usize, u8)>>,
    /// `ekus`.
    pub ekus: EkuSpec,
    /// `validity_months` (normalised into 1..=1200); `None` = not sent (12).
    pub validity_months: Option<u32>,
    /// Index into [`NOWS`] (modulo its length).
    pub now: u8,
}

/// The nine key usages in bit order, as Key Vault spells them.
pub const KEY_USAGE_NAMES: [&str; 9] = [
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];

const SERVER_AUTH: &str = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH: &str = "1.3.6.1.5.5.7.3.2";
const MAX_RDNS: usize = 6;
const MAX_ATTRS_PER_RDN: usize = 3;
const MAX_VALUE_CHARS: usize = 16;
const MAX_LIST: usize = 6;

/// Reads a fuzz input front to back; past its end every byte is 0, so any input (even an
/// empty one) is a complete description.
#[derive(Debug)]
pub struct Draw<'a>(&'a [u8]);

impl<'a> Draw<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Draw(data)
    }

    /// The next byte, or 0.
    pub fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    /// A number in `0..n` (`n` ≥ 1) from one byte.
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n.max(1)
    }

    /// Four bytes, little-endian.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// A list of up to `max` items, or `None` (high bit of the count byte).
    pub fn list<T>(&mut self, max: usize, mut item: impl FnMut(&mut Self) -> T) -> Option<Vec<T>> {
        let c = self.byte();
        if c & 0x80 != 0 {
            return None;
        }
        let n = usize::from(c) % (max + 1);
        Some((0..n).map(|_| item(self)).collect())
    }
}

/// A subject value or UPN: 1–`max` characters of [`VALUE_CHARS`].
pub fn gen_value(d: &mut Draw<'_>, max: usize) -> String {
    let n = 1 + d.below(max);
    (0..n).map(|_| d.pick(VALUE_CHARS)).collect()
}

const LDH: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";

/// A DNS label: 1–10 characters (or 63 when the length byte is 255), no `-` at either end.
fn gen_label(d: &mut Draw<'_>) -> String {
    let len = match d.byte() {
        255 => 63,
        b => 1 + usize::from(b) % 10,
    };
    let mut label: Vec<u8> = (0..len).map(|_| d.pick(LDH)).collect();
    for i in [0, len - 1] {
        if label[i] == b'-' {
            label[i] = b'x';
        }
    }
    String::from_utf8(label).expect("ASCII")
}

/// A dNSName: 1–4 labels, optionally behind a `*.` wildcard, at most 253 characters.
pub fn gen_dns(d: &mut Draw<'_>, wildcard_allowed: bool) -> String {
    let flags = d.byte();
    let n = 1 + usize::from(flags & 3);
    let mut labels: Vec<String> = (0..n).map(|_| gen_label(d)).collect();
    let prefix = if wildcard_allowed && flags & 4 != 0 {
        "*."
    } else {
        ""
    };
    while labels.len() > 1 && prefix.len() + labels.join(".").len() > 253 {
        labels.pop();
    }
    format!("{prefix}{}", labels.join("."))
}

/// An rfc822Name: a local part of printable ASCII without `@` (1–12 characters, or 64),
/// `@`, a DNS name without wildcard.
pub fn gen_email(d: &mut Draw<'_>) -> String {
    let len = match d.byte() {
        255 => 64,
        b => 1 + usize::from(b) % 12,
    };
    let local: String = (0..len)
        .map(|_| {
            let c = b'!' + (d.byte() % 94); // '!'..='~'
            char::from(if c == b'@' { b'.' } else { c })
        })
        .collect();
    format!("{local}@{}", gen_dns(d, false))
}

/// An address: IPv4 or IPv6 from the input's bytes, with a text form.
pub fn gen_ip(d: &mut Draw<'_>) -> IpSan {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    let flags = d.byte();
    let addr = if flags & 1 == 0 {
        IpAddr::V4(Ipv4Addr::from(d.u32()))
    } else {
        // Zero groups (chosen by a byte) exercise `::` compression.
        let zeros = d.byte();
        let mut groups = [0u16; 8];
        for (i, g) in groups.iter_mut().enumerate() {
            if zeros & 1 << i == 0 {
                *g = u16::from(d.byte()) << 8 | u16::from(d.byte());
            }
        }
        IpAddr::V6(Ipv6Addr::from(groups))
    };
    IpSan {
        addr,
        form: flags >> 1,
    }
}

/// URI characters RFC 3986 allows unencoded (printable ASCII but `"<>\^`{|}` and `%`).
const URI_CHARS: &[u8] =
    b"!#$&'()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]_abcdefghijklmnopqrstuvwxyz~";
const SCHEME_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.";

/// An absolute URI: a scheme, `:`, 1–24 allowed characters or `%XX` escapes.
pub fn gen_uri(d: &mut Draw<'_>) -> String {
    let mut s = String::new();
    s.push(char::from(d.pick(&LDH[..52])));
    for _ in 0..d.below(7) {
        s.push(char::from(d.pick(SCHEME_CHARS)));
    }
    s.push(':');
    if d.byte() & 1 == 1 {
        s.push_str("//");
    }
    for _ in 0..1 + d.below(24) {
        match d.byte() {
            b if b >= 240 => s.push_str(&format!("%{:02X}", d.byte())),
            b if b >= 230 => s.push_str(&format!("%{:02x}", d.byte())),
            b => s.push(char::from(URI_CHARS[usize::from(b) % URI_CHARS.len()])),
        }
    }
    s
}

/// A dotted OID const-oid accepts: first arc 0–2, second 0–39, then up to six `u32` arcs.
pub fn gen_oid(d: &mut Draw<'_>) -> String {
    let flags = d.byte();
    if flags & 3 == 0 {
        // A well-known EKU (id-kp-*), as real policies use.
        return format!("1.3.6.1.5.5.7.3.{}", 1 + d.below(9));
    }
    let mut arcs = vec![d.below(3) as u32, d.below(40) as u32];
    for _ in 0..usize::from(flags >> 2) % 7 {
        let arc = match d.byte() % 4 {
            0 => u32::from(d.byte()),
            1 => u32::from(d.byte()) << 8 | u32::from(d.byte()),
            2 => d.u32(),
            _ => 1 + d.below(10) as u32,
        };
        arcs.push(arc);
    }
    arcs.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

impl RoundtripCase {
    /// The case an input describes (every input describes one).
    pub fn from_bytes(data: &[u8]) -> Self {
        let d = &mut Draw::new(data);
        let key = d.pick(&KEY_CHOICES);
        let key_spelling = d.byte();
        let now = d.byte();
        let validity_months = match d.byte() {
            b if b & 1 == 0 => None,
            _ => Some(u32::from(d.byte()) << 8 | u32::from(d.byte())),
        };
        let layout = d.byte();
        let rdns = (0..d.below(MAX_RDNS + 1))
            .map(|_| {
                let n = match d.byte() {
                    0..=199 => 1,
                    200..=239 => 2,
                    _ => 3,
                };
                (0..n)
                    .map(|_| SubjectAttr {
                        keyword: d.below(KEYWORDS.len()),
                        spelling: d.byte(),
                        style: d.byte(),
                        escapes: d.u32(),
                        value: gen_value(d, MAX_VALUE_CHARS),
                    })
                    .collect()
            })
            .collect();
        let sans = match d.byte() % 4 {
            0 => None,
            _ => Some(SansSpec {
                dns_names: d.list(MAX_LIST, |d| gen_dns(d, true)),
                emails: d.list(MAX_LIST, gen_email),
                upns: d.list(MAX_LIST, |d| gen_value(d, 24)),
                ip_addresses: d.list(MAX_LIST, gen_ip),
                uris: d.list(MAX_LIST, gen_uri),
            }),
        };
        let key_usage = match d.byte() {
            b if b & 1 == 0 => None,
            b => Some(
                (0..usize::from(b >> 1) % 8)
                    .map(|_| (d.below(9), d.byte()))
                    .collect(),
            ),
        };
        let ekus = match d.byte() % 3 {
            0 => EkuSpec::Absent,
            1 => EkuSpec::Empty,
            _ => EkuSpec::List((0..1 + d.below(4)).map(|_| gen_oid(d)).collect()),
        };
        RoundtripCase {
            key,
            key_spelling,
            subject: SubjectSpec { rdns, layout },
            sans,
            key_usage,
            ekus,
            validity_months,
            now,
        }
    }

    /// The same case within the generator's bounds: at most 6 RDNs of at most 3 attributes of
    /// distinct types, values of 1–16 characters, lists of at most 6, months in 1..=1200, and a
    /// `CN` when there would be neither subject nor SAN.
    pub fn normalized(&self) -> Self {
        let mut c = self.clone();
        c.subject.rdns.truncate(MAX_RDNS);
        for rdn in &mut c.subject.rdns {
            let mut seen = Vec::new();
            rdn.retain_mut(|a| {
                a.keyword %= KEYWORDS.len();
                if a.value.is_empty() {
                    a.value = "x".to_owned();
                }
                a.value = a.value.chars().take(MAX_VALUE_CHARS).collect();
                let fresh = !seen.contains(&a.keyword);
                seen.push(a.keyword);
                fresh
            });
            rdn.truncate(MAX_ATTRS_PER_RDN);
        }
        c.subject.rdns.retain(|r| !r.is_empty());
        if let Some(s) = &mut c.sans {
            for l in [&mut s.dns_names, &mut s.emails, &mut s.upns, &mut s.uris]
                .into_iter()
                .flatten()
            {
                l.truncate(MAX_LIST);
            }
            if let Some(l) = &mut s.ip_addresses {
                l.truncate(MAX_LIST);
            }
        }
        if let Some(ku) = &mut c.key_usage {
            ku.truncate(16);
            for (i, _) in ku.iter_mut() {
                *i %= 9;
            }
        }
        if let EkuSpec::List(l) = &mut c.ekus {
            l.truncate(8);
        }
        c.validity_months = c.validity_months.map(|m| (m.max(1) - 1) % 1200 + 1);
        if c.subject.rdns.is_empty() && san_count(c.sans.as_ref()) == 0 {
            c.subject.rdns.push(vec![SubjectAttr {
                keyword: 0,
                value: "x".to_owned(),
                spelling: 0,
                style: 3,
                escapes: 0,
            }]);
        }
        c
    }
}

fn san_count(sans: Option<&SansSpec>) -> usize {
    sans.map_or(0, |s| {
        [&s.dns_names, &s.emails, &s.upns, &s.uris]
            .iter()
            .map(|l| l.as_ref().map_or(0, Vec::len))
            .sum::<usize>()
            + s.ip_addresses.as_ref().map_or(0, Vec::len)
    })
}

fn push_hex(out: &mut String, bytes: &[u8], upper: bool) {
    for b in bytes {
        if upper {
            out.push_str(&format!("\\{b:02X}"));
        } else {
            out.push_str(&format!("\\{b:02x}"));
        }
    }
}

/// `attr`'s value as an RFC 4514 string (or, for `style` 0, RFC 2253 quoted; for 1, `#hex`).
pub fn render_value(attr: &SubjectAttr) -> String {
    let v = &attr.value;
    let upper = attr.escapes & 1 << 31 != 0;
    let mut out = String::new();
    match attr.style % 16 {
        0 => {
            out.push('"');
            for c in v.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        }
        1 => {
            // RFC 4514 §2.4: `#` and the BER (here DER) of a UTF8String.
            let n = v.len();
            let mut der = vec![0x0c];
            if n < 0x80 {
                der.push(n as u8);
            } else {
                der.extend([0x81, n as u8]);
            }
            der.extend(v.as_bytes());
            out.push('#');
            for b in der {
                out.push_str(&if upper {
                    format!("{b:02X}")
                } else {
                    format!("{b:02x}")
                });
            }
        }
        2 => push_hex(&mut out, v.as_bytes(), upper),
        style => {
            let optional = style >= 9;
            let last = v.chars().count() - 1;
            for (i, c) in v.chars().enumerate() {
                // RFC 4514 §2.4: these must be escaped; `\` then the character or `\XX`.
                let must = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
                    || (i == 0 && (c == '#' || c == ' '))
                    || (i == last && c == ' ');
                let want = optional && attr.escapes & 1 << (i % 32) != 0;
                let hex = attr.escapes & 1 << ((i + 16) % 32) != 0;
                // `special` of RFC 4514 §3: the characters `\c` may escape.
                let special = matches!(
                    c,
                    '"' | '+' | ',' | ';' | '<' | '>' | '\\' | ' ' | '#' | '='
                );
                if !must && !want {
                    out.push(c);
                } else if special && !hex {
                    out.push('\\');
                    out.push(c);
                } else {
                    let mut buf = [0u8; 4];
                    push_hex(&mut out, c.encode_utf8(&mut buf).as_bytes(), upper);
                }
            }
        }
    }
    out
}

/// The subject string of `spec`, or `None` for no `subject` property.
pub fn render_subject(spec: &SubjectSpec) -> Option<String> {
    let l = spec.layout;
    if spec.rdns.is_empty() {
        return match l >> 6 {
            0 => None,
            1 => Some(String::new()),
            2 => Some(" ".to_owned()),
            _ => Some("   ".to_owned()),
        };
    }
    let sep = [",", ", ", ";", " ; ", " , "][usize::from(l & 7) % 5];
    let plus = if l & 8 != 0 { " + " } else { "+" };
    let eq = if l & 16 != 0 { " = " } else { "=" };
    let rdns: Vec<String> = spec
        .rdns
        .iter()
        .map(|rdn| {
            rdn.iter()
                .map(|a| {
                    let kw = &KEYWORDS[a.keyword % KEYWORDS.len()];
                    let spelling = kw.spellings[usize::from(a.spelling) % kw.spellings.len()];
                    format!("{spelling}{eq}{}", render_value(a))
                })
                .collect::<Vec<_>>()
                .join(plus)
        })
        .collect();
    let body = rdns.join(sep);
    Some(if l & 32 != 0 {
        format!(" {body} ")
    } else {
        body
    })
}

/// `key_props` for `key`, spelled one of several equivalent ways (`None`: not sent, RSA-2048).
pub fn key_props_json(key: KeyChoice, spelling: u8) -> Option<serde_json::Value> {
    use kvcert::Curve;
    use serde_json::json;
    match key {
        KeyChoice::Rsa2048 => match spelling % 6 {
            0 => None,
            1 => Some(json!({"kty": "RSA"})),
            2 => Some(json!({"kty": "RSA", "key_size": 2048})),
            3 => Some(json!({"kty": "RSA-HSM", "key_size": 2048, "exportable": false})),
            4 => Some(json!({"kty": "RSA-HSM"})),
            _ => Some(json!({"exportable": true, "reuse_key": true})),
        },
        KeyChoice::Ec(c) => {
            let (crv, bits) = (c.name(), c.bits());
            Some(match spelling % 6 {
                0 => json!({"kty": "EC", "crv": crv}),
                1 => json!({"kty": "EC-HSM", "crv": crv}),
                2 => json!({"crv": crv}),
                3 => json!({"kty": "EC", "crv": crv, "key_size": bits}),
                4 if c != Curve::P256K => json!({"kty": "EC-HSM", "key_size": bits}),
                5 if c == Curve::P256 => json!({"kty": "EC"}),
                _ => json!({"crv": crv, "key_size": bits, "reuse_key": false}),
            })
        }
    }
}

/// The request body for `case` (normalised) with subject string `subject`.
pub fn case_json(case: &RoundtripCase, subject: Option<&str>) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let mut x509 = Map::new();
    if let Some(s) = subject {
        x509.insert("subject".into(), json!(s));
    }
    if let Some(s) = &case.sans {
        let mut m = Map::new();
        let mut put = |k: &str, v: &Option<Vec<String>>| {
            if let Some(v) = v {
                m.insert(k.into(), json!(v));
            }
        };
        put("dns_names", &s.dns_names);
        put("emails", &s.emails);
        put("upns", &s.upns);
        put("uris", &s.uris);
        let ips = s
            .ip_addresses
            .as_ref()
            .map(|l| l.iter().map(|ip| ip.render().0).collect::<Vec<_>>());
        put("ipAddresses", &ips);
        x509.insert("sans".into(), Value::Object(m));
    }
    if let Some(ku) = &case.key_usage {
        let names: Vec<String> = ku
            .iter()
            .map(|&(i, spelling)| {
                let n = KEY_USAGE_NAMES[i % 9];
                match spelling % 4 {
                    1 => n.to_ascii_lowercase(),
                    2 => n.to_ascii_uppercase(),
                    _ => n.to_owned(),
                }
            })
            .collect();
        x509.insert("key_usage".into(), json!(names));
    }
    match &case.ekus {
        EkuSpec::Absent => {}
        EkuSpec::Empty => {
            x509.insert("ekus".into(), json!([]));
        }
        EkuSpec::List(l) => {
            x509.insert("ekus".into(), json!(l));
        }
    }
    if let Some(m) = case.validity_months {
        x509.insert("validity_months".into(), json!(m));
    }
    let mut policy = Map::new();
    if let Some(k) = key_props_json(case.key, case.key_spelling) {
        policy.insert("key_props".into(), k);
    }
    policy.insert("x509_props".into(), Value::Object(x509));
    policy.insert("issuer".into(), json!({"name": "Self"}));
    json!({ "policy": policy })
}

/// The RSA-2048 key of every RSA case: generated once per process (seed [`RSA_SEED`]) with
/// `KeyPair::generate`, then copied for each issuance.
pub fn fixed_rsa_key() -> kvcert::KeyPair {
    use rand_chacha::rand_core::SeedableRng;
    static KEY: std::sync::OnceLock<kvcert::KeyPair> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let spec = kvcert::KeySpec::Rsa(kvcert::RsaSize::Rsa2048);
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(RSA_SEED);
        kvcert::KeyPair::generate(spec, &mut rng).expect("RSA-2048 key generation")
    })
    .duplicate()
}

/// An attribute as it must come back: OID, string tag, value bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct WantAttr {
    oid: &'static str,
    tag: der::Tag,
    value: String,
}

/// A SAN as it must come back.
#[derive(Debug, Clone, PartialEq, Eq)]
enum WantSan {
    Dns(String),
    Email(String),
    Upn(String),
    Ip(Vec<u8>),
    Uri(String),
}

/// Everything the CSR and certificate of a case must show.
#[derive(Debug)]
struct Want {
    rdns: Vec<Vec<WantAttr>>,
    sans: Vec<WantSan>,
    key_usage: u16,
    ekus: Vec<String>,
}

/// X.680 §41.4: PrintableString's characters.
fn printable(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
}

fn want(case: &RoundtripCase) -> Want {
    let rdns = case
        .subject
        .rdns
        .iter()
        .map(|rdn| {
            rdn.iter()
                .map(|a| {
                    let kw = &KEYWORDS[a.keyword];
                    let tag = if a.style % 16 == 1 {
                        der::Tag::Utf8String
                    } else if kw.ia5 && a.value.is_ascii() {
                        der::Tag::Ia5String
                    } else if !kw.ia5 && printable(&a.value) {
                        der::Tag::PrintableString
                    } else {
                        der::Tag::Utf8String
                    };
                    WantAttr {
                        oid: kw.oid,
                        tag,
                        value: a.value.clone(),
                    }
                })
                .collect()
        })
        .collect();
    let mut sans = Vec::new();
    if let Some(s) = &case.sans {
        let all = |l: &Option<Vec<String>>| l.clone().unwrap_or_default();
        sans.extend(all(&s.dns_names).into_iter().map(WantSan::Dns));
        sans.extend(all(&s.emails).into_iter().map(WantSan::Email));
        sans.extend(all(&s.upns).into_iter().map(WantSan::Upn));
        for ip in s.ip_addresses.iter().flatten() {
            sans.push(WantSan::Ip(ip.render().1));
        }
        sans.extend(all(&s.uris).into_iter().map(WantSan::Uri));
    }
    let key_usage = match &case.key_usage {
        None if case.key == KeyChoice::Rsa2048 => 0b101, // digitalSignature, keyEncipherment
        None => 0b1,
        Some(l) => l.iter().fold(0, |m, &(i, _)| m | 1 << i),
    };
    let ekus = match &case.ekus {
        EkuSpec::Absent => vec![SERVER_AUTH.to_owned(), CLIENT_AUTH.to_owned()],
        EkuSpec::Empty => vec![],
        EkuSpec::List(l) => l.clone(),
    };
    Want {
        rdns,
        sans,
        key_usage,
        ekus,
    }
}

/// `now` plus `months` calendar months, the day clamped to the month's length, computed with
/// `der::DateTime` (an implementation independent of kvcert's).
fn plus_months(now: u64, months: u32) -> u64 {
    let t = der::DateTime::from_unix_duration(std::time::Duration::from_secs(now))
        .expect("now is a valid DateTime");
    let total = u32::from(t.year()) * 12 + u32::from(t.month()) - 1 + months;
    let (year, month) = (total / 12, total % 12 + 1);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    der::DateTime::new(
        year as u16,
        month as u8,
        t.day().min(days),
        t.hour(),
        t.minutes(),
        t.seconds(),
    )
    .expect("a valid date")
    .unix_duration()
    .as_secs()
}

/// Issues `case` (normalised first) and checks that the CSR and the certificate, re-parsed with
/// x509-cert, show exactly the policy: subject RDNs reversed in DER with the same values and the
/// string types kvcert documents, SANs by kind and order, key usages, EKUs, SAN criticality,
/// validity, key and signature algorithm, extension order. Panics with the request body on any
/// difference.
pub fn roundtrip_case(case: &RoundtripCase) {
    use rand_chacha::rand_core::SeedableRng;
    use x509_cert::Certificate;
    use x509_cert::request::{CertReq, ExtensionReq};

    let mut case = case.normalized();
    let mut subject = render_subject(&case.subject);
    // Stay under kvcert's subject length limit by dropping trailing RDNs.
    while subject
        .as_ref()
        .is_some_and(|s| s.len() > kvcert::x509::name::MAX_SUBJECT_LEN)
    {
        case.subject.rdns.pop();
        case = case.normalized();
        subject = render_subject(&case.subject);
    }
    let body = serde_json::to_vec(&case_json(&case, subject.as_deref())).expect("JSON");
    let ctx = format!(
        "request body: {}\ncase: {case:?}",
        String::from_utf8_lossy(&body)
    );
    let want = want(&case);

    let plan = kvcert::service::plan::IssuancePlan::from_json(CERT_NAME, &body)
        .unwrap_or_else(|e| panic!("a valid-by-construction policy was refused: {e:?}\n{ctx}"));
    let spec = match case.key {
        KeyChoice::Ec(c) => kvcert::KeySpec::Ec(c),
        KeyChoice::Rsa2048 => kvcert::KeySpec::Rsa(kvcert::RsaSize::Rsa2048),
    };
    assert_eq!(plan.key().spec(), spec, "key\n{ctx}");
    assert_eq!(
        plan.subject_text(),
        subject.as_deref(),
        "subject echo\n{ctx}"
    );
    let parsed: Vec<Vec<(String, Option<&str>)>> = plan
        .subject()
        .rdns()
        .iter()
        .map(|r| r.iter().map(|a| (a.oid().to_string(), a.text())).collect())
        .collect();
    let expected: Vec<Vec<(String, Option<&str>)>> = case
        .subject
        .rdns
        .iter()
        .map(|r| {
            r.iter()
                .map(|a| {
                    let text = (a.style % 16 != 1).then_some(a.value.as_str());
                    (KEYWORDS[a.keyword].oid.to_owned(), text)
                })
                .collect()
        })
        .collect();
    assert_eq!(parsed, expected, "parsed subject\n{ctx}");
    assert_eq!(
        plan.validity_months(),
        case.validity_months.unwrap_or(12),
        "validity_months\n{ctx}"
    );

    let now_text = NOWS[usize::from(case.now) % NOWS.len()];
    let now: kvcert::UnixTime = now_text.parse().expect("a valid instant");
    let vault = kvcert::Vault::new("https://fuzzvault.vault.azure.net");
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(ISSUE_SEED);
    let months = plan.validity_months();
    let issued = match case.key {
        KeyChoice::Rsa2048 => kvcert::create_with_key(plan, fixed_rsa_key(), &vault, now, &mut rng),
        KeyChoice::Ec(_) => kvcert::create(plan, &vault, now, &mut rng),
    }
    .unwrap_or_else(|e| panic!("issuance failed: {e:?}\n{ctx}"));
    let spki = issued.key.subject_public_key_info().expect("SPKI");
    let sig_alg = match case.key {
        KeyChoice::Rsa2048 => "1.2.840.113549.1.1.11",
        KeyChoice::Ec(kvcert::Curve::P384) => "1.2.840.10045.4.3.3",
        KeyChoice::Ec(kvcert::Curve::P521) => "1.2.840.10045.4.3.4",
        KeyChoice::Ec(_) => "1.2.840.10045.4.3.2",
    };

    // The CSR.
    let req = CertReq::from_der(&issued.csr)
        .unwrap_or_else(|e| panic!("x509-cert cannot parse the CSR: {e}\n{ctx}"));
    assert_eq!(
        req.to_der().ok(),
        Some(issued.csr.clone()),
        "CSR re-encodes\n{ctx}"
    );
    check_name(&req.info.subject, &want.rdns, "CSR subject", &ctx);
    assert_eq!(
        req.info.public_key.to_der().ok(),
        Some(spki.clone()),
        "CSR SPKI\n{ctx}"
    );
    assert_eq!(
        req.algorithm.oid.to_string(),
        sig_alg,
        "CSR signature\n{ctx}"
    );
    let attrs: Vec<_> = req.info.attributes.iter().collect();
    assert!(
        attrs.len() == 1 && attrs[0].oid.to_string() == "1.2.840.113549.1.9.14",
        "CSR attributes: one extensionRequest\n{ctx}"
    );
    let values: Vec<_> = attrs[0].values.iter().collect();
    assert_eq!(values.len(), 1, "one extensionRequest value\n{ctx}");
    let value = values[0].to_der().expect("DER");
    let exts = ExtensionReq::from_der(&value)
        .unwrap_or_else(|e| panic!("extensionRequest does not parse: {e}\n{ctx}"))
        .0;
    check_extensions(&exts, &want, false, &ctx);

    // The certificate.
    let done = issued.completed.as_ref().expect("issuer Self completes");
    let cert = Certificate::from_der(&done.certificate)
        .unwrap_or_else(|e| panic!("x509-cert cannot parse the certificate: {e}\n{ctx}"));
    assert_eq!(
        cert.to_der().ok(),
        Some(done.certificate.clone()),
        "certificate re-encodes\n{ctx}"
    );
    let tbs = cert.tbs_certificate();
    assert_eq!(
        tbs.version(),
        x509_cert::certificate::Version::V3,
        "v3\n{ctx}"
    );
    check_name(tbs.subject(), &want.rdns, "certificate subject", &ctx);
    assert_eq!(tbs.issuer(), tbs.subject(), "issuer = subject\n{ctx}");
    assert_eq!(
        tbs.subject(),
        &req.info.subject,
        "CSR and certificate subjects\n{ctx}"
    );
    assert_eq!(
        tbs.subject_public_key_info().to_der().ok(),
        Some(spki),
        "certificate SPKI\n{ctx}"
    );
    assert_eq!(
        tbs.signature(),
        cert.signature_algorithm(),
        "inner = outer algorithm\n{ctx}"
    );
    assert_eq!(
        cert.signature_algorithm().oid.to_string(),
        sig_alg,
        "signature\n{ctx}"
    );
    let serial = tbs.serial_number().as_bytes();
    assert!(
        serial.len() == 16 && serial[0] != 0 && serial[0] < 0x80,
        "serial {serial:02x?}\n{ctx}"
    );
    let not_before = now.as_secs() - 600;
    let not_after = plus_months(now.as_secs(), months);
    for (what, t, secs) in [
        ("notBefore", tbs.validity().not_before, not_before),
        ("notAfter", tbs.validity().not_after, not_after),
    ] {
        assert_eq!(
            t.to_unix_duration().as_secs(),
            secs,
            "{what} (now {now_text}, {months} months)\n{ctx}"
        );
        let utc = matches!(t, x509_cert::time::Time::UtcTime(_));
        let before_2050 = secs < 2_524_608_000; // 2050-01-01T00:00:00Z
        assert_eq!(utc, before_2050, "{what}: UTCTime through 2049 only\n{ctx}");
    }
    assert_eq!(
        done.not_before.as_secs(),
        not_before,
        "Completed::not_before\n{ctx}"
    );
    assert_eq!(
        done.not_after.as_secs(),
        not_after,
        "Completed::not_after\n{ctx}"
    );
    let exts = tbs.extensions().expect("v3 extensions");
    check_extensions(exts, &want, true, &ctx);
}

fn check_name(name: &x509_cert::name::Name, want: &[Vec<WantAttr>], what: &str, ctx: &str) {
    use der::Tagged;
    let rdns: Vec<_> = name.iter_rdn().collect();
    assert_eq!(rdns.len(), want.len(), "{what}: RDN count\n{ctx}");
    // DER order is the string's order reversed.
    for (rdn, want) in rdns.iter().zip(want.iter().rev()) {
        let atvs: Vec<_> = rdn.iter().collect();
        assert_eq!(
            atvs.len(),
            want.len(),
            "{what}: attributes in an RDN\n{ctx}"
        );
        let encodings: Vec<Vec<u8>> = atvs.iter().map(|a| a.to_der().expect("DER")).collect();
        assert!(
            encodings.windows(2).all(|w| w[0] <= w[1]),
            "{what}: SET OF not in DER order\n{ctx}"
        );
        for w in want {
            let a = atvs
                .iter()
                .find(|a| a.oid.to_string() == w.oid)
                .unwrap_or_else(|| panic!("{what}: no {} in its RDN\n{ctx}", w.oid));
            assert_eq!(a.value.tag(), w.tag, "{what}: string type of {w:?}\n{ctx}");
            let text = match w.tag {
                der::Tag::PrintableString => a
                    .value
                    .decode_as::<der::asn1::PrintableStringRef<'_>>()
                    .map(|s| s.as_str().to_owned()),
                der::Tag::Ia5String => a
                    .value
                    .decode_as::<der::asn1::Ia5StringRef<'_>>()
                    .map(|s| s.as_str().to_owned()),
                _ => a
                    .value
                    .decode_as::<der::asn1::Utf8StringRef<'_>>()
                    .map(|s| s.as_str().to_owned()),
            };
            match text {
                Ok(t) => assert_eq!(t, w.value, "{what}: value of {}\n{ctx}", w.oid),
                Err(e) => panic!("{what}: {w:?} does not decode: {e}\n{ctx}"),
            }
        }
    }
}

fn check_extensions(exts: &[x509_cert::ext::Extension], want: &Want, cert: bool, ctx: &str) {
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::ext::pkix::{
        AuthorityKeyIdentifier, ExtendedKeyUsage, KeyUsage, SubjectAltName, SubjectKeyIdentifier,
    };
    let what = if cert { "certificate" } else { "CSR" };
    const KU: &str = "2.5.29.15";
    const BC: &str = "2.5.29.19";
    const EKU: &str = "2.5.29.37";
    const SAN: &str = "2.5.29.17";
    let mut order = Vec::new();
    if want.key_usage != 0 {
        order.push(KU);
    }
    if cert {
        order.push(BC);
    }
    if !want.ekus.is_empty() {
        order.push(EKU);
    }
    if !want.sans.is_empty() {
        order.push(SAN);
    }
    if cert {
        order.extend(["2.5.29.35", "2.5.29.14"]);
    } else {
        order.push(BC);
    }
    let got: Vec<String> = exts.iter().map(|e| e.extn_id.to_string()).collect();
    assert_eq!(got, order, "{what}: extensions and their order\n{ctx}");
    for e in exts {
        let v = e.extn_value.as_bytes();
        match e.extn_id.to_string().as_str() {
            KU => {
                assert!(e.critical, "{what}: KeyUsage critical\n{ctx}");
                let bits = der::asn1::BitString::from_der(v).expect("KeyUsage BIT STRING");
                let raw = bits.raw_bytes();
                let mut mask = 0u16;
                for (i, b) in raw.iter().enumerate() {
                    for j in 0..8 {
                        if b & 0x80 >> j != 0 {
                            mask |= 1 << (i * 8 + j);
                        }
                    }
                }
                assert_eq!(
                    mask, want.key_usage,
                    "{what}: key usages {mask:#011b}\n{ctx}"
                );
                let last = raw.last().copied().unwrap_or(0);
                assert!(
                    last != 0 && u32::from(bits.unused_bits()) == last.trailing_zeros(),
                    "{what}: KeyUsage not minimal DER (X.690 §11.2.2): {v:02x?}\n{ctx}"
                );
                KeyUsage::from_der(v).expect("x509-cert reads KeyUsage");
            }
            BC => {
                assert!(!e.critical, "{what}: BasicConstraints non-critical\n{ctx}");
                assert_eq!(v, [0x30, 0x00], "{what}: BasicConstraints {{}}\n{ctx}");
            }
            EKU => {
                assert!(!e.critical, "{what}: EKU non-critical\n{ctx}");
                let eku = ExtendedKeyUsage::from_der(v).expect("x509-cert reads EKU");
                let got: Vec<String> = eku.0.iter().map(ToString::to_string).collect();
                assert_eq!(got, want.ekus, "{what}: EKUs\n{ctx}");
            }
            SAN => {
                assert_eq!(
                    e.critical,
                    want.rdns.is_empty(),
                    "{what}: SAN critical iff the subject is empty\n{ctx}"
                );
                let san = SubjectAltName::from_der(v).expect("x509-cert reads SAN");
                let got: Vec<WantSan> = san
                    .0
                    .iter()
                    .map(|n| match n {
                        GeneralName::DnsName(s) => WantSan::Dns(s.to_string()),
                        GeneralName::Rfc822Name(s) => WantSan::Email(s.to_string()),
                        GeneralName::UniformResourceIdentifier(s) => WantSan::Uri(s.to_string()),
                        GeneralName::IpAddress(o) => WantSan::Ip(o.as_bytes().to_vec()),
                        GeneralName::OtherName(o) => {
                            assert_eq!(
                                o.type_id.to_string(),
                                "1.3.6.1.4.1.311.20.2.3",
                                "{what}: otherName type\n{ctx}"
                            );
                            let s = o
                                .value
                                .decode_as::<der::asn1::Utf8StringRef<'_>>()
                                .expect("UPN is a UTF8String");
                            WantSan::Upn(s.as_str().to_owned())
                        }
                        other => panic!("{what}: unexpected SAN {other:?}\n{ctx}"),
                    })
                    .collect();
                assert_eq!(got, want.sans, "{what}: SANs\n{ctx}");
            }
            "2.5.29.35" => {
                let aki = AuthorityKeyIdentifier::from_der(v).expect("AKI");
                let ski = exts
                    .iter()
                    .find(|e| e.extn_id.to_string() == "2.5.29.14")
                    .map(|e| SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()))
                    .expect("SKI present")
                    .expect("SKI parses");
                assert!(!e.critical, "{what}: AKI non-critical\n{ctx}");
                assert_eq!(
                    aki.key_identifier.as_ref(),
                    Some(&ski.0),
                    "AKI = SKI\n{ctx}"
                );
                assert_eq!(ski.0.as_bytes().len(), 20, "SKI is a SHA-1\n{ctx}");
            }
            _ => assert!(!e.critical, "{what}: SKI non-critical\n{ctx}"),
        }
    }
}

/// `import`: an Import Certificate request body (`CertificateImportParameters`).
///
/// `kvcert::service::import::import_certificate` must not panic. On success the bundle, secret and key bundle
/// serialise, the bundle's `cer` is the imported leaf and the secret's id is the bundle's
/// `sid`; on refusal the error body serialises with a non-empty message.
///
/// Returns whether the import was accepted (the replay test counts).
pub fn import(data: &[u8]) -> bool {
    use rand_chacha::rand_core::SeedableRng;
    let vault = kvcert::Vault::new("https://fuzz.vault.azure.net");
    // 2026-01-01T00:00:00Z: a fixed instant; the library reads no clock.
    let Some(now) = kvcert::UnixTime::from_unix_seconds(1_767_225_600) else {
        return false;
    };
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0);
    match kvcert::service::import::import_certificate(CERT_NAME, data, &vault, now, &mut rng) {
        Ok(imported) => {
            let bundle = serde_json::to_value(&imported.bundle)
                .unwrap_or_else(|e| panic!("bundle does not serialise: {e}"));
            serde_json::to_vec(&imported.secret)
                .unwrap_or_else(|e| panic!("secret does not serialise: {e}"));
            serde_json::to_vec(&imported.key_bundle)
                .unwrap_or_else(|e| panic!("key bundle does not serialise: {e}"));
            assert_eq!(
                bundle["cer"].as_str(),
                Some(base64ct::Base64::encode_string(&imported.certificate).as_str()),
                "cer is not the imported leaf"
            );
            assert_eq!(imported.secret.id.as_deref(), bundle["sid"].as_str());
            true
        }
        Err(err) => {
            let body = err.to_key_vault_error();
            assert!(
                !body.error.message.is_empty(),
                "empty error message for {err:?}"
            );
            serde_json::to_vec(&body)
                .unwrap_or_else(|e| panic!("error body does not serialise: {e} ({err:?})"));
            false
        }
    }
}

/// The `pfx` target: `decode_pfx_with_limits` on raw bytes (not through JSON and base64). The
/// first byte picks the password (`b % 3`: none, empty, `kvcert-test`, the test files'); the
/// rest is the PFX. Tight limits (4,096 iterations a derivation, 16,384 in all) keep every
/// execution fast while the limit checks still run. Never panics; on success every
/// certificate is one DER SEQUENCE and the key, if any, is read by `KeyPair::from_pkcs8_der`
/// without a panic. Returns whether the PFX was read.
pub fn pfx(data: &[u8]) -> bool {
    let Some((&selector, der)) = data.split_first() else {
        return false;
    };
    let password = match selector % 3 {
        0 => None,
        1 => Some(""),
        _ => Some("kvcert-test"),
    };
    let mut limits = kvcert::pkcs12::Pkcs12Limits::default();
    limits.mac_iterations = 4_096;
    limits.kdf_iterations = 4_096;
    limits.total_kdf_iterations = 16_384;
    match kvcert::pkcs12::decode_pfx_with_limits(der, password, &limits) {
        Ok(decoded) => {
            for cert in &decoded.certificates {
                assert!(
                    cert.first() == Some(&0x30),
                    "a certificate that is not a SEQUENCE"
                );
            }
            assert_eq!(
                decoded.certificates.len(),
                decoded.certificate_attributes.len()
            );
            if let Some(key) = &decoded.key_pkcs8 {
                let _ = kvcert::KeyPair::from_pkcs8_der(key);
            }
            true
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            false
        }
    }
}

/// `merge`: a Merge Certificate body (`{"x5c": [...]}`) into a vault whose certificate
/// `fuzzcert` waits for a merge (issuer `Unknown`, an EC P-256 key from seed 0).
///
/// The merge must answer a Key Vault status (never 500, never a panic): 201 only with a
/// certificate of the pending key, otherwise 400, or 403 after a completed merge. The error
/// body must carry a code and a message. Returns whether `x5c` held readable certificates.
pub fn merge(data: &[u8]) -> bool {
    use rand_chacha::rand_core::SeedableRng;
    use std::sync::OnceLock;
    // 2026-01-01T00:00:00Z: a fixed instant; the library reads no clock.
    let Some(now) = kvcert::UnixTime::from_unix_seconds(1_767_225_600) else {
        return false;
    };
    static PENDING: OnceLock<kvcert::VaultState> = OnceLock::new();
    let base = PENDING.get_or_init(|| {
        let mut state = kvcert::VaultState::new(kvcert::Vault::new("https://fuzz.vault.azure.net"));
        let body = br#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=fuzz"},"issuer":{"name":"Unknown"}}}"#;
        let created = state.create_certificate(
            CERT_NAME,
            body,
            now,
            &mut rand_chacha::ChaCha20Rng::seed_from_u64(0),
        );
        assert!(created.is_ok(), "the fuzz vault's create failed");
        state
    });
    let mut state = base.clone();
    let merged = state.merge_certificate(
        CERT_NAME,
        data,
        now,
        &mut rand_chacha::ChaCha20Rng::seed_from_u64(1),
    );
    let status = |state: &kvcert::VaultState| {
        state
            .get_pending(CERT_NAME, None, now)
            .ok()
            .and_then(|op| op.status)
    };
    match merged {
        Ok(bundle) => {
            assert!(bundle.cer.is_some(), "a merge without cer: {bundle:?}");
            assert_eq!(
                status(&state).as_deref(),
                Some("completed"),
                "merged but not completed"
            );
        }
        Err(error) => {
            let body = error.to_key_vault_error().error;
            assert_eq!(error.status(), 400, "merge refused with {error:?}");
            assert!(
                !body.message.is_empty(),
                "an error without message: {body:?}"
            );
            assert_eq!(body.code, "BadParameter", "{body:?}");
            assert_eq!(
                status(&state).as_deref(),
                Some("inProgress"),
                "a refused merge changed the operation"
            );
        }
    }
    let x5c: Option<Vec<String>> = serde_json::from_slice::<serde_json::Value>(data)
        .ok()
        .and_then(|v| serde_json::from_value(v.get("x5c")?.clone()).ok());
    x5c.is_some_and(|list| kvcert::service::engine::read_x5c(&list).is_ok())
}

/// How many operations `requests` chooses from (certificates, then secrets and keys).
const REQUEST_OPS: u8 = 30;

/// `requests`: a sequence of operations on two names (certificates, and clients' secrets and
/// keys on the same names), chosen by the input's bytes,
/// through `VaultState::handle`, with time moving forward between them.
///
/// Every answer must be a Key Vault answer: a status below 500, a JSON body (or none); a 200
/// bundle's `id`, `kid` and `sid` name one version (before the first version: an `id`, no
/// `kid`, disabled); a saved and restored vault equals the original. Returns whether any operation succeeded (status 2xx) after the first.
pub fn requests(data: &[u8]) -> bool {
    use rand_chacha::rand_core::SeedableRng;
    let Some(mut now) = kvcert::UnixTime::from_unix_seconds(1_767_225_600) else {
        return false;
    };
    let mut state = kvcert::VaultState::new(kvcert::Vault::new("https://fuzz.vault.azure.net"));
    // Pinned keys: the state machine is what is fuzzed, not key generation (made once per
    // process; secrets are made only when an input reads one).
    static KEYS: std::sync::OnceLock<std::sync::Arc<kvcert::key::source::Pinned>> =
        std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(70);
        let key = kvcert::KeyPair::generate(kvcert::KeySpec::Ec(kvcert::Curve::P256), &mut rng)
            .unwrap_or_else(|e| panic!("a P-256 key: {e}"));
        std::sync::Arc::new(kvcert::key::source::Pinned::new([key]))
    });
    state.set_key_source(keys.clone());
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let self_ec = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=f","validity_months":1},"issuer":{"name":"Self"},"lifetime_actions":[{"trigger":{"lifetime_percentage":50},"action":{"action_type":"AutoRenew"}}]}}"#;
    let unknown_ec = r#"{"policy":{"key_props":{"kty":"EC","crv":"P-256"},"x509_props":{"subject":"CN=u"},"issuer":{"name":"Unknown"}}}"#;
    let mut any_ok = false;
    let mut backup = String::new();
    // At most 32 operations: each may make a key and a PFX.
    for (step, pair) in data.chunks(2).take(32).enumerate() {
        let op = pair[0];
        let arg = pair.get(1).copied().unwrap_or(0);
        let name = if arg & 1 == 0 { "a" } else { "b" };
        let (method, path, body): (&str, String, String) = match op % REQUEST_OPS {
            0 => (
                "POST",
                format!("/certificates/{name}/create"),
                self_ec.to_owned(),
            ),
            1 => (
                "POST",
                format!("/certificates/{name}/create"),
                unknown_ec.to_owned(),
            ),
            2 => (
                "POST",
                format!("/certificates/{name}/create"),
                "{}".to_owned(),
            ),
            3 => (
                "GET",
                format!("/certificates/{name}/pending"),
                String::new(),
            ),
            4 => (
                "PATCH",
                format!("/certificates/{name}/pending"),
                r#"{"cancellation_requested":true}"#.to_owned(),
            ),
            5 => (
                "DELETE",
                format!("/certificates/{name}/pending"),
                String::new(),
            ),
            6 => (
                "POST",
                format!("/certificates/{name}/pending/merge"),
                r#"{"x5c":["AAAA"]}"#.to_owned(),
            ),
            7 => ("GET", format!("/certificates/{name}"), String::new()),
            8 => ("DELETE", format!("/certificates/{name}"), String::new()),
            9 => (
                "POST",
                format!("/deletedcertificates/{name}/recover"),
                String::new(),
            ),
            10 => (
                "DELETE",
                format!("/deletedcertificates/{name}"),
                String::new(),
            ),
            11 => (
                "POST",
                format!("/certificates/{name}/backup"),
                String::new(),
            ),
            12 => (
                "POST",
                "/certificates/restore".to_owned(),
                format!(r#"{{"value":"{backup}"}}"#),
            ),
            13 => (
                "PATCH",
                format!("/certificates/{name}/policy"),
                format!(r#"{{"x509_props":{{"validity_months":{}}}}}"#, arg % 30),
            ),
            14 => (
                "PATCH",
                format!("/certificates/{name}/"),
                r#"{"attributes":{"enabled":false},"tags":{"t":"v"}}"#.to_owned(),
            ),
            15 => (
                "GET",
                format!(
                    "/certificates?maxresults={}&includePending=true",
                    1 + arg % 3
                ),
                String::new(),
            ),
            16 => (
                "GET",
                format!("/certificates/{name}/versions?maxresults=2"),
                String::new(),
            ),
            18 => (
                "PUT",
                format!("/secrets/{name}"),
                format!(r#"{{"value":"v{arg}","contentType":"text/plain"}}"#),
            ),
            19 => ("DELETE", format!("/secrets/{name}"), String::new()),
            20 => (
                "POST",
                format!("/deletedsecrets/{name}/recover"),
                String::new(),
            ),
            21 => ("DELETE", format!("/deletedsecrets/{name}"), String::new()),
            22 => (
                "POST",
                format!("/keys/{name}/create"),
                r#"{"kty":"EC","crv":"P-256"}"#.to_owned(),
            ),
            23 => (
                "POST",
                format!("/keys/{name}/sign"),
                r#"{"alg":"ES256","value":"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"}"#
                    .to_owned(),
            ),
            24 => ("DELETE", format!("/keys/{name}"), String::new()),
            25 => ("POST", format!("/keys/{name}/rotate"), String::new()),
            26 => (
                "GET",
                if arg & 2 == 0 {
                    format!("/secrets?maxresults={}", 1 + arg % 3)
                } else {
                    format!("/keys?maxresults={}", 1 + arg % 3)
                },
                String::new(),
            ),
            27 => (
                "PATCH",
                format!("/keys/{name}"),
                r#"{"attributes":{"enabled":false}}"#.to_owned(),
            ),
            // A secret asked for in another format (2025-07-01): PEM, PKCS#12, or another.
            28 => (
                "GET",
                format!(
                    "/secrets/{name}?outContentType={}&api-version=2025-07-01",
                    [
                        "application/x-pem-file",
                        "application/x-pkcs12",
                        "text/plain"
                    ][usize::from(arg / 2 % 3)]
                ),
                String::new(),
            ),
            _ => ("GET", format!("/secrets/{name}"), String::new()),
        };
        // Time moves forward: up to ~5 days a step.
        if let Some(t) = kvcert::UnixTime::from_unix_seconds(now.as_secs() + u64::from(arg) * 1_800)
        {
            now = t;
        }
        let path = if path.contains("api-version=") {
            path
        } else {
            format!(
                "{path}{}api-version=7.6",
                if path.contains('?') { '&' } else { '?' }
            )
        };
        let request = kvcert::service::engine::Request {
            method,
            path: &path,
            body: body.as_bytes(),
        };
        let response = state.handle(&request, now, &mut rng);
        assert!(
            response.status < 500,
            "step {step} {method} {path}: {}",
            String::from_utf8_lossy(&response.body)
        );
        let value: serde_json::Value = if response.body.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&response.body)
                .unwrap_or_else(|e| panic!("step {step}: body is not JSON: {e}"))
        };
        if (200..300).contains(&response.status) && step > 0 {
            any_ok = true;
        }
        if op % REQUEST_OPS == 11 && response.status == 200 {
            backup = value["value"].as_str().unwrap_or_default().to_owned();
        }
        if op % REQUEST_OPS == 7 && response.status == 200 {
            let version = |field: &str| {
                value[field]
                    .as_str()
                    .and_then(|s| s.rsplit('/').next())
                    .map(str::to_owned)
            };
            if value.get("cer").is_some() {
                assert_eq!(version("id"), version("kid"), "step {step}: id and kid");
                assert_eq!(version("id"), version("sid"), "step {step}: id and sid");
            } else {
                // Before its first version: the object the create made, disabled, with no
                // key or secret yet.
                assert!(version("id").is_some(), "step {step}: no id");
                assert_eq!(version("kid"), None, "step {step}: a kid before a version");
                assert_eq!(
                    value["attributes"]["enabled"],
                    serde_json::Value::Bool(false),
                    "step {step}: an enabled certificate without a version"
                );
            }
        }
    }
    let saved = state
        .to_json()
        .unwrap_or_else(|e| panic!("state does not serialise: {e}"));
    let restored = kvcert::VaultState::from_json(&saved)
        .unwrap_or_else(|e| panic!("state does not restore: {e}"));
    assert!(
        restored == state,
        "a restored vault differs from the original"
    );
    any_ok
}
