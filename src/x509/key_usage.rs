//! The nine X.509 key usages (RFC 5280 §4.2.1.3) and sets of them, with the spellings Key
//! Vault's policies use.

/// One of the nine X.509 key usages (RFC 5280 §4.2.1.3), by bit number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyUsage {
    /// digitalSignature (0)
    DigitalSignature,
    /// nonRepudiation (1)
    NonRepudiation,
    /// keyEncipherment (2)
    KeyEncipherment,
    /// dataEncipherment (3)
    DataEncipherment,
    /// keyAgreement (4)
    KeyAgreement,
    /// keyCertSign (5)
    KeyCertSign,
    /// cRLSign (6)
    CrlSign,
    /// encipherOnly (7)
    EncipherOnly,
    /// decipherOnly (8)
    DecipherOnly,
}

impl KeyUsage {
    const ALL: [KeyUsage; 9] = [
        KeyUsage::DigitalSignature,
        KeyUsage::NonRepudiation,
        KeyUsage::KeyEncipherment,
        KeyUsage::DataEncipherment,
        KeyUsage::KeyAgreement,
        KeyUsage::KeyCertSign,
        KeyUsage::CrlSign,
        KeyUsage::EncipherOnly,
        KeyUsage::DecipherOnly,
    ];

    /// The canonical Key Vault spelling.
    pub const fn name(self) -> &'static str {
        match self {
            KeyUsage::DigitalSignature => "digitalSignature",
            KeyUsage::NonRepudiation => "nonRepudiation",
            KeyUsage::KeyEncipherment => "keyEncipherment",
            KeyUsage::DataEncipherment => "dataEncipherment",
            KeyUsage::KeyAgreement => "keyAgreement",
            KeyUsage::KeyCertSign => "keyCertSign",
            KeyUsage::CrlSign => "cRLSign",
            KeyUsage::EncipherOnly => "encipherOnly",
            KeyUsage::DecipherOnly => "decipherOnly",
        }
    }

    /// The bit number in the KeyUsage BIT STRING.
    pub const fn bit(self) -> u8 {
        self as u8
    }

    /// Matches a name case-insensitively, as the service does (`crlSign` is `cRLSign`).
    pub fn from_name(name: &str) -> Option<Self> {
        KeyUsage::ALL
            .into_iter()
            .find(|u| u.name().eq_ignore_ascii_case(name))
    }
}

/// A set of key usages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct KeyUsages(u16);

impl KeyUsages {
    /// The empty set.
    pub const EMPTY: KeyUsages = KeyUsages(0);
    /// All nine usages.
    pub const ALL: KeyUsages = KeyUsages(0x1ff);

    /// Adds a usage.
    pub fn insert(&mut self, u: KeyUsage) {
        self.0 |= 1 << u.bit();
    }

    /// Whether the set holds `u`.
    pub fn contains(self, u: KeyUsage) -> bool {
        self.0 & (1 << u.bit()) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The usages in bit order.
    pub fn iter(self) -> impl Iterator<Item = KeyUsage> {
        KeyUsage::ALL.into_iter().filter(move |u| self.contains(*u))
    }

    /// The canonical names sorted ordinally, as the service echoes them
    /// (`["cRLSign","dataEncipherment","digitalSignature",…]`).
    pub fn sorted_names(self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.iter().map(KeyUsage::name).collect();
        names.sort_unstable();
        names
    }
}
