//! Names back to text, as the service writes them in a policy it derives from a certificate
//! (Import Certificate): Windows `CertNameToStr` short names and quoting.

use der::{Encode, Tag, Tagged};

/// OIDs and the short names Windows writes for them (others are `OID.` + the dotted OID).
const SHORT_NAMES: &[(&str, &str)] = &[
    ("2.5.4.3", "CN"),
    ("2.5.4.4", "SN"),
    ("2.5.4.5", "SERIALNUMBER"),
    ("2.5.4.6", "C"),
    ("2.5.4.7", "L"),
    // Recorded: `S=Some-State` for stateOrProvinceName.
    ("2.5.4.8", "S"),
    ("2.5.4.9", "STREET"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.12", "T"),
    ("2.5.4.13", "Description"),
    ("2.5.4.17", "PostalCode"),
    ("2.5.4.18", "POBox"),
    ("2.5.4.20", "Phone"),
    ("2.5.4.42", "G"),
    ("2.5.4.43", "I"),
    ("1.2.840.113549.1.9.1", "E"),
    ("0.9.2342.19200300.100.1.25", "DC"),
];

/// A subject (or any `Name`) as the service writes it in the policy: RDNs in reverse DER
/// order, `", "` between them, Windows short names (see [`crate::service::import`]'s module docs).
pub fn subject_string(name: &x509_cert::name::Name) -> String {
    let rdns: Vec<_> = name.iter_rdn().collect();
    rdns.iter()
        .rev()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| {
                    let oid = atv.oid.to_string();
                    let key = SHORT_NAMES
                        .iter()
                        .find(|(o, _)| *o == oid)
                        .map_or_else(|| format!("OID.{oid}"), |(_, k)| (*k).to_owned());
                    format!("{key}={}", attribute_text(&atv.value))
                })
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One attribute value: the decoded string, quoted where `CertNameToStr` quotes, or `#hex`.
fn attribute_text(value: &der::asn1::Any) -> String {
    let bytes = value.value();
    let text = match value.tag() {
        Tag::PrintableString
        | Tag::Utf8String
        | Tag::Ia5String
        | Tag::VisibleString
        | Tag::NumericString => String::from_utf8(bytes.to_vec()).ok(),
        // T.61 read as Latin-1, as Windows does in practice.
        Tag::TeletexString => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString if bytes.len().is_multiple_of(2) => {
            let units = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]));
            char::decode_utf16(units)
                .collect::<Result<String, _>>()
                .ok()
        }
        _ => None,
    };
    match text {
        Some(t) => quote(&t),
        None => {
            let der = value.to_der().unwrap_or_default();
            let hex: String = der.iter().map(|b| format!("{b:02X}")).collect();
            format!("#{hex}")
        }
    }
}

/// Windows `CertNameToStr` quoting: the whole value in double quotes, inner quotes doubled.
fn quote(value: &str) -> String {
    let special = value.chars().any(|c| {
        matches!(
            c,
            ',' | '+' | '=' | '"' | '\\' | '<' | '>' | '#' | ';' | '\n' | '\r'
        )
    });
    let padded = value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace);
    if special || padded {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::Decode;

    fn name(s: &str) -> x509_cert::name::Name {
        let der = s
            .parse::<crate::x509::name::DistinguishedName>()
            .unwrap()
            .to_der()
            .unwrap();
        x509_cert::name::Name::from_der(&der).unwrap()
    }

    #[test]
    fn subject_strings_in_windows_form() {
        // Recorded: DER C=AU, ST=Some-State, O=… → "O=…, S=Some-State, C=AU". kvcert's parser
        // reverses string order into DER, so the same string comes back with S for ST.
        assert_eq!(
            subject_string(&name("O=Internet Widgits Pty Ltd, ST=Some-State, C=AU")),
            "O=Internet Widgits Pty Ltd, S=Some-State, C=AU"
        );
        assert_eq!(
            subject_string(&name(
                "CN=a+OU=b, L=c, E=x@y.z, DC=d, STREET=s, T=t, G=g, SN=n, SERIALNUMBER=1, UID=u"
            )),
            "CN=a + OU=b, L=c, E=x@y.z, DC=d, STREET=s, T=t, G=g, SN=n, SERIALNUMBER=1, \
             OID.0.9.2342.19200300.100.1.1=u"
        );
        assert_eq!(
            subject_string(&name(r#"CN=a\,b, O=say \"hi\", OU=\ x, L=#0403616263"#)),
            r##"CN="a,b", O="say ""hi""", OU=" x", L=#0403616263"##
        );
    }

    #[test]
    fn quoting() {
        for (v, q) in [
            ("plain", "plain"),
            ("a=b", "\"a=b\""),
            ("a;b", "\"a;b\""),
            ("#x", "\"#x\""),
            ("x ", "\"x \""),
            ("a\\b", "\"a\\b\""),
            ("<>", "\"<>\""),
            ("", ""),
        ] {
            assert_eq!(quote(v), q, "{v:?}");
        }
    }
}
