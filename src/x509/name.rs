//! Subject names: RFC 4514 strings to DER `Name`, as the service encodes them.
//!
//! The service parses the policy subject as an RFC 4514 string (it also takes the RFC 2253
//! leniencies: `;` as a separator, quoted values, `OID.`-prefixed keys, spaces around
//! separators) and writes it in the opposite order: the string's **first** component becomes
//! the **last** RDN in DER (`docs/service-behaviour.md` §4, 6-RDN CLI fixture).

use const_oid::ObjectIdentifier;
use der::asn1::{Any, SetOfVec};
use der::{Decode, Encode, Tag};
use x509_cert::attr::AttributeTypeAndValue;

use super::Error;

/// Longest subject string accepted, in bytes.
pub const MAX_SUBJECT_LEN: usize = 4096;
/// Most RDNs (and attributes) in one subject.
pub const MAX_SUBJECT_ATTRIBUTES: usize = 64;

/// The attribute keywords kvcert understands, with their OIDs and DER string types.
///
/// Keys match case-insensitively (`cn=` is accepted, as the service accepts it).
const KEYWORDS: &[(&str, &str, StringRule)] = &[
    ("CN", "2.5.4.3", StringRule::Directory),
    ("SN", "2.5.4.4", StringRule::Directory),
    ("SURNAME", "2.5.4.4", StringRule::Directory),
    ("SERIALNUMBER", "2.5.4.5", StringRule::Directory),
    ("C", "2.5.4.6", StringRule::Directory),
    ("L", "2.5.4.7", StringRule::Directory),
    ("S", "2.5.4.8", StringRule::Directory),
    ("ST", "2.5.4.8", StringRule::Directory),
    ("STREET", "2.5.4.9", StringRule::Directory),
    ("O", "2.5.4.10", StringRule::Directory),
    ("OU", "2.5.4.11", StringRule::Directory),
    ("T", "2.5.4.12", StringRule::Directory),
    ("TITLE", "2.5.4.12", StringRule::Directory),
    ("DESCRIPTION", "2.5.4.13", StringRule::Directory),
    ("POSTALCODE", "2.5.4.17", StringRule::Directory),
    ("PHONE", "2.5.4.20", StringRule::Directory),
    ("TELEPHONENUMBER", "2.5.4.20", StringRule::Directory),
    ("NAME", "2.5.4.41", StringRule::Directory),
    ("G", "2.5.4.42", StringRule::Directory),
    ("GN", "2.5.4.42", StringRule::Directory),
    ("GIVENNAME", "2.5.4.42", StringRule::Directory),
    ("I", "2.5.4.43", StringRule::Directory),
    ("INITIALS", "2.5.4.43", StringRule::Directory),
    ("GENERATIONQUALIFIER", "2.5.4.44", StringRule::Directory),
    ("DNQUALIFIER", "2.5.4.46", StringRule::Directory),
    ("PSEUDONYM", "2.5.4.65", StringRule::Directory),
    ("ORGANIZATIONIDENTIFIER", "2.5.4.97", StringRule::Directory),
    // RFC 5280 §4.1.2.6 and §4.2.1.6: emailAddress and domainComponent are IA5String.
    ("E", "1.2.840.113549.1.9.1", StringRule::Ia5),
    ("EMAIL", "1.2.840.113549.1.9.1", StringRule::Ia5),
    ("EMAILADDRESS", "1.2.840.113549.1.9.1", StringRule::Ia5),
    ("DC", "0.9.2342.19200300.100.1.25", StringRule::Ia5),
    ("UID", "0.9.2342.19200300.100.1.1", StringRule::Directory),
];

/// How an attribute's text value is written in DER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StringRule {
    /// PrintableString when every character allows it, else UTF8String: the service's rule
    /// (`CN=*.microsoft.com` is UTF8String because of `*`; `C=US`, `CN=xyz` PrintableString).
    Directory,
    /// IA5String (ASCII), else UTF8String.
    Ia5,
}

/// One attribute of an RDN: type and value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAttribute {
    oid: ObjectIdentifier,
    value: AttributeValue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum AttributeValue {
    Text(String, StringRule),
    /// `#hex` (RFC 4514 §2.4): the DER of the value itself.
    Der(Vec<u8>),
}

impl NameAttribute {
    /// The attribute type.
    pub fn oid(&self) -> ObjectIdentifier {
        self.oid
    }

    /// The text value, unless the value was given as `#hex` DER.
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            AttributeValue::Text(s, _) => Some(s),
            AttributeValue::Der(_) => None,
        }
    }

    fn to_der_atv(&self) -> Result<AttributeTypeAndValue, Error> {
        let value = match &self.value {
            AttributeValue::Der(der) => Any::from_der(der).map_err(|e| Error::InvalidSubject {
                detail: format!("`#` value is not one DER value: {e}"),
            })?,
            AttributeValue::Text(s, rule) => {
                let tag = match rule {
                    StringRule::Directory if s.bytes().all(is_printable) => Tag::PrintableString,
                    StringRule::Ia5 if s.is_ascii() => Tag::Ia5String,
                    _ => Tag::Utf8String,
                };
                Any::new(tag, s.as_bytes()).map_err(Error::Encoding)?
            }
        };
        Ok(AttributeTypeAndValue {
            oid: self.oid,
            value,
        })
    }
}

/// PrintableString's alphabet (X.680 §41.4).
fn is_printable(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b)
}

/// A parsed subject: RDNs in the order of the string (first component first).
///
/// ```
/// use kvcert::x509::name::DistinguishedName;
/// let dn: DistinguishedName = "CN=a, O=b, C=US".parse().unwrap();
/// assert_eq!(dn.rdns().len(), 3);
/// // DER order is reversed: C=US first.
/// let der = dn.to_der().unwrap();
/// assert_eq!(&der[..15], &[0x30, 0x25, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06,
///                           0x13, 0x02, b'U', b'S']);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DistinguishedName {
    rdns: Vec<Vec<NameAttribute>>,
}

impl DistinguishedName {
    /// The RDNs in string order; each holds one or more (`+`) attributes.
    pub fn rdns(&self) -> &[Vec<NameAttribute>] {
        &self.rdns
    }

    /// Whether the name has no RDN (an absent or empty subject).
    pub fn is_empty(&self) -> bool {
        self.rdns.is_empty()
    }

    /// The DER `Name` (RFC 5280 §4.1.2.4), RDNs reversed as the service writes them.
    pub fn to_der(&self) -> Result<Vec<u8>, Error> {
        let mut seq: Vec<SetOfVec<AttributeTypeAndValue>> = Vec::with_capacity(self.rdns.len());
        for rdn in self.rdns.iter().rev() {
            let atvs = rdn
                .iter()
                .map(NameAttribute::to_der_atv)
                .collect::<Result<Vec<_>, _>>()?;
            // SET OF is sorted by DER (X.690 §11.6); a repeated attribute is refused.
            let set = SetOfVec::try_from(atvs).map_err(|e| Error::InvalidSubject {
                detail: format!("multi-valued RDN: {e}"),
            })?;
            seq.push(set);
        }
        seq.to_der().map_err(Error::Encoding)
    }
}

impl core::str::FromStr for DistinguishedName {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        parse(s).map_err(|detail| Error::InvalidSubject { detail })
    }
}

fn keyword(key: &str) -> Result<(ObjectIdentifier, StringRule), String> {
    let upper = key.to_ascii_uppercase();
    if let Some((_, oid, rule)) = KEYWORDS.iter().find(|(k, _, _)| *k == upper) {
        let oid = ObjectIdentifier::new(oid).map_err(|e| e.to_string())?;
        return Ok((oid, *rule));
    }
    // `OID.1.2.3` (RFC 2253 readers, .NET) and bare dotted OIDs (RFC 4514 §3 numericoid).
    let dotted = upper.strip_prefix("OID.").unwrap_or(&upper);
    if dotted.starts_with(|c: char| c.is_ascii_digit()) {
        let oid = ObjectIdentifier::new(dotted).map_err(|e| format!("bad OID `{key}`: {e}"))?;
        let rule = KEYWORDS
            .iter()
            .find(|(_, o, _)| *o == dotted)
            .map_or(StringRule::Directory, |(_, _, r)| *r);
        return Ok((oid, rule));
    }
    Err(format!("unknown attribute keyword `{key}`"))
}

/// RFC 4514 §3 parser (with the RFC 2253 leniencies named in the module docs).
fn parse(s: &str) -> Result<DistinguishedName, String> {
    if s.len() > MAX_SUBJECT_LEN {
        return Err(format!("longer than {MAX_SUBJECT_LEN} bytes"));
    }
    let mut dn = DistinguishedName::default();
    if s.trim().is_empty() {
        return Ok(dn);
    }
    let mut p = Cursor {
        b: s.as_bytes(),
        i: 0,
    };
    let mut count = 0usize;
    let mut rdn: Vec<NameAttribute> = Vec::new();
    loop {
        count += 1;
        if count > MAX_SUBJECT_ATTRIBUTES {
            return Err(format!("more than {MAX_SUBJECT_ATTRIBUTES} attributes"));
        }
        rdn.push(p.attribute()?);
        p.skip_spaces();
        match p.next() {
            None => {
                check_distinct(&rdn)?;
                dn.rdns.push(rdn);
                return Ok(dn);
            }
            Some(b'+') => {}
            Some(b',' | b';') => {
                check_distinct(&rdn)?;
                dn.rdns.push(core::mem::take(&mut rdn));
            }
            Some(c) => return Err(format!("unexpected `{}` after a value", c as char)),
        }
    }
}

/// X.501: the attributes of one multi-valued RDN have distinct types.
fn check_distinct(rdn: &[NameAttribute]) -> Result<(), String> {
    for (i, a) in rdn.iter().enumerate() {
        if rdn[..i].iter().any(|b| b.oid == a.oid) {
            return Err("an attribute type repeats within one RDN".into());
        }
    }
    Ok(())
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    fn attribute(&mut self) -> Result<NameAttribute, String> {
        self.skip_spaces();
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'.')
        {
            self.i += 1;
        }
        let key = core::str::from_utf8(&self.b[start..self.i]).map_err(|e| e.to_string())?;
        self.skip_spaces();
        if key.is_empty() {
            return Err("empty RDN or missing attribute type".into());
        }
        if self.next() != Some(b'=') {
            return Err(format!("missing `=` after `{key}`"));
        }
        let (oid, rule) = keyword(key)?;
        self.skip_spaces();
        let value = match self.peek() {
            Some(b'#') => AttributeValue::Der(self.hex_value()?),
            Some(b'"') => AttributeValue::Text(self.quoted_value()?, rule),
            _ => AttributeValue::Text(self.plain_value()?, rule),
        };
        if matches!(&value, AttributeValue::Text(t, _) if t.is_empty()) {
            return Err(format!("empty value for `{key}`"));
        }
        Ok(NameAttribute { oid, value })
    }

    /// `#` hexstring: the BER/DER of the value (RFC 4514 §2.4).
    fn hex_value(&mut self) -> Result<Vec<u8>, String> {
        self.i += 1;
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
            self.i += 1;
        }
        let hex = &self.b[start..self.i];
        if hex.is_empty() || !hex.len().is_multiple_of(2) {
            return Err("`#` must be followed by an even number of hex digits".into());
        }
        let der: Vec<u8> = hex.chunks(2).map(|p| hex_byte(p[0], p[1])).collect();
        Any::from_der(&der).map_err(|e| format!("`#` value is not one DER value: {e}"))?;
        Ok(der)
    }

    /// `"…"` (RFC 2253 §4): anything up to the closing quote, `\` escapes allowed.
    fn quoted_value(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.next() {
                None => return Err("unterminated quoted value".into()),
                Some(b'"') => break,
                Some(b'\\') => out.push(self.escape()?),
                Some(c) => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|_| "value is not UTF-8".into())
    }

    /// An unquoted value up to an unescaped `,` `;` `+`; trailing unescaped spaces dropped.
    fn plain_value(&mut self) -> Result<String, String> {
        let mut out = Vec::new();
        // Length of `out` that must be kept even if spaces follow (escaped spaces count).
        let mut keep = 0;
        while let Some(c) = self.peek() {
            match c {
                b',' | b';' | b'+' => break,
                b'\\' => {
                    self.i += 1;
                    out.push(self.escape()?);
                    keep = out.len();
                }
                b'"' => return Err("unescaped `\"` inside a value".into()),
                _ => {
                    self.i += 1;
                    out.push(c);
                    if c != b' ' {
                        keep = out.len();
                    }
                }
            }
        }
        out.truncate(keep);
        String::from_utf8(out).map_err(|_| "value is not UTF-8".into())
    }

    /// After `\`: a special character, or two hex digits (one byte of UTF-8).
    fn escape(&mut self) -> Result<u8, String> {
        match self.next() {
            Some(c) if b",=+<>#;\\\" ".contains(&c) => Ok(c),
            Some(h) if h.is_ascii_hexdigit() => match self.next() {
                Some(l) if l.is_ascii_hexdigit() => Ok(hex_byte(h, l)),
                _ => Err("`\\` must be followed by two hex digits or a special character".into()),
            },
            _ => Err("`\\` must be followed by two hex digits or a special character".into()),
        }
    }
}

fn hex_byte(h: u8, l: u8) -> u8 {
    let v = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    };
    v(h) << 4 | v(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn der(s: &str) -> Vec<u8> {
        s.parse::<DistinguishedName>().unwrap().to_der().unwrap()
    }

    fn texts(s: &str) -> Vec<Vec<String>> {
        s.parse::<DistinguishedName>()
            .unwrap()
            .rdns()
            .iter()
            .map(|r| r.iter().map(|a| a.text().unwrap().to_owned()).collect())
            .collect()
    }

    #[test]
    fn cli_fixture_subject_matches_the_service_bytes() {
        // Subject DER of cli_rsa2048_multirdn_60months_70.cer.b64 (CN first in DER).
        let expected = "3075311d301b060355040313147777772e6d7974657374646f6d61696e2e636f6d\
            31133011060355040b130a546573744e756767657431143012060355040a130b54657374204e6f6f646c65\
            310f300d060355040713065265646d6f6e310b3009060355040813025741310b3009060355040613025553";
        let got =
            der("C=US, ST=WA, L=Redmon, O=Test Noodle, OU=TestNugget, CN=www.mytestdomain.com");
        assert_eq!(hex(&got), expected);
    }

    #[test]
    fn wildcard_cn_is_utf8string() {
        // spec example CSR: CN=*.microsoft.com as UTF8String (tag 0x0c).
        assert_eq!(
            hex(&der("CN=*.microsoft.com")),
            "301a3118301606035504030c0f2a2e6d6963726f736f66742e636f6d"
        );
    }

    #[test]
    fn lowercase_keys_and_empty_subject() {
        assert_eq!(der("cn=MyCert"), der("CN=MyCert"));
        assert_eq!(der(""), vec![0x30, 0x00]);
        assert_eq!(der("   "), vec![0x30, 0x00]);
    }

    #[test]
    fn escapes_quotes_and_spaces() {
        assert_eq!(texts(r"CN=a\, b"), vec![vec!["a, b"]]);
        assert_eq!(texts(r#"CN="a, b+c""#), vec![vec!["a, b+c"]]);
        assert_eq!(texts(r"CN=caf\C3\A9"), vec![vec!["café"]]);
        assert_eq!(texts(r"CN=  x y  ,O=z"), vec![vec!["x y"], vec!["z"]]);
        assert_eq!(texts(r"CN=x\ "), vec![vec!["x "]]);
        assert_eq!(texts("CN=a;O=b"), vec![vec!["a"], vec!["b"]]);
    }

    #[test]
    fn multi_valued_rdn_is_one_sorted_set() {
        let dn: DistinguishedName = "CN=a+O=b, C=US".parse().unwrap();
        assert_eq!(dn.rdns().len(), 2);
        assert_eq!(dn.rdns()[0].len(), 2);
        let d = dn.to_der().unwrap();
        // Last RDN in DER is the multi-valued one; O (2.5.4.10, shorter encoding? no: same
        // length) sorts after CN (2.5.4.3) because 0x03 < 0x0a.
        let h = hex(&d);
        // The multi-valued RDN is last in DER; CN (2.5.4.3) sorts before O (2.5.4.10).
        assert!(
            h.ends_with("3114300806035504031301613008060355040a130162"),
            "{h}"
        );
    }

    #[test]
    fn string_types_by_attribute() {
        // E and DC are IA5String (0x16); non-ASCII goes to UTF8String.
        let h = hex(&der("E=a@b.c"));
        assert!(h.contains("16056140622e63"), "{h}");
        let h = hex(&der("DC=com"));
        assert!(h.contains("1603636f6d"), "{h}");
        let h = hex(&der("CN=é"));
        assert!(h.contains("0c02c3a9"), "{h}");
    }

    #[test]
    fn oid_keys_and_hex_values() {
        assert_eq!(der("2.5.4.3=x"), der("CN=x"));
        assert_eq!(der("OID.2.5.4.3=x"), der("CN=x"));
        // #hex is the DER of the value: here a UTF8String "x".
        assert!(hex(&der("CN=#0c0178")).contains("0c0178"));
    }

    #[test]
    fn refusals() {
        for s in [
            "Self",
            "CN",
            "CN=",
            "=x",
            "CN=a,,O=b",
            "CN=a,",
            ",CN=a",
            "XX=a",
            "CN=a\\",
            "CN=a\\zz",
            "CN=\"unterminated",
            "CN=\"q\"x",
            "1.2.x=a",
            "CN=#0",
            "CN=#zz",
            "CN=#0c05",
            "CN=a+CN=a",
        ] {
            let r = s.parse::<DistinguishedName>().and_then(|d| d.to_der());
            assert!(
                matches!(r, Err(Error::InvalidSubject { .. })),
                "{s:?} gave {r:?}"
            );
        }
        let long = format!("CN={}", "a".repeat(MAX_SUBJECT_LEN));
        assert!(long.parse::<DistinguishedName>().is_err());
        let many = vec!["CN=a"; MAX_SUBJECT_ATTRIBUTES + 1].join(",");
        assert!(many.parse::<DistinguishedName>().is_err());
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }
}
