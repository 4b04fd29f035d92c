//! RSA arithmetic, kvcert's own: fixed-width Montgomery arithmetic ([`monty`]), the FIPS 186-5
//! A.1.3 prime search ([`prime`], with its four-lane AVX2 first test in [`lanes`]), key pairs
//! from two primes ([`keygen`]) and PKCS#1 v1.5 signing ([`sign`], its blinding inverses by
//! [`safegcd`]), for the sizes in [`size`].

pub(crate) mod keygen;
pub(crate) mod lanes;
pub(crate) mod monty;
pub(crate) mod prime;
pub(crate) mod safegcd;
pub(crate) mod sign;
pub(crate) mod size;
