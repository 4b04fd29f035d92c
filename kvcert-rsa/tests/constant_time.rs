//! The constant-time check: kvcert-rsa's private-key operations run under Valgrind's memcheck
//! with their secrets marked undefined (`kvcert_rsa::ct_check`, `--cfg kvcert_ct_check`), so that any
//! branch or memory address that depends on a secret is an error memcheck reports (the method
//! of ctgrind and TIMECOP). Each test counts memcheck's errors around the operation and requires
//! none.
//!
//! Run it on the code users get, the release profile (`.ci/run` does):
//!
//! ```text
//! RUSTFLAGS="--cfg kvcert_ct_check" CARGO_TARGET_DIR=target/ct-check \
//!     cargo test -p kvcert-rsa --release --test constant_time
//! ```
//!
//! (`RUSTFLAGS` changes every crate's build, so the separate target directory keeps the usual
//! one's artifacts.)
//!
//! Each test re-runs this test binary under `valgrind` for itself alone (the inner run is marked
//! by an environment variable). Without the cfg the suite says so and checks nothing; without
//! Valgrind it skips visibly, or fails under `KVCERT_REQUIRE_INTEROP=1`.
//!
//! What is covered and what is not is listed in the crate's README ("Constant time").

#[cfg(not(kvcert_ct_check))]
#[test]
fn constant_time_needs_the_ct_check_cfg() {
    use std::io::Write;
    // Not a pass: the check did not run. A line on the real stderr, past libtest's capture.
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED constant_time: the secret-taint check needs --cfg kvcert_ct_check \
         (RUSTFLAGS=\"--cfg kvcert_ct_check\" CARGO_TARGET_DIR=target/ct-check \
         cargo test -p kvcert-rsa --release --test constant_time; .ci/run runs it)"
    );
}

#[cfg(kvcert_ct_check)]
mod check {
    use kvcert_rsa::{RsaSize, ct_check};
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;
    use std::process::Command;

    /// Set in the inner run: the test runs its body under Valgrind.
    const INNER: &str = "KVCERT_CT_INNER";
    /// Set in the inner run: the CPU features the host has that choose a kernel (AVX2 for the
    /// four-lane test, BMI2 for the exponentiation, ADX for its assembly kernels). Valgrind's
    /// virtual CPU must lead to the same choices, or the check would run other code than the
    /// host does. It hides ADX, but the library takes the ADX path under the check anyway
    /// (Valgrind executes `adcx`/`adox`): that path is what a host with ADX runs.
    const HOST_FEATURES: &str = "KVCERT_CT_HOST_FEATURES";

    fn kernel_features() -> String {
        #[cfg(target_arch = "x86_64")]
        {
            format!(
                "avx2={} bmi2={} adx-kernels={}",
                std::arch::is_x86_feature_detected!("avx2"),
                std::arch::is_x86_feature_detected!("bmi2"),
                // The library's rule (`monty::adx::available`): ADX, or running under the check.
                std::arch::is_x86_feature_detected!("adx") || ct_check::running_on_valgrind()
            )
        }
        #[cfg(not(target_arch = "x86_64"))]
        String::new()
    }

    /// Runs `body` under memcheck: in the inner run, directly (it asserts on memcheck's error
    /// count itself and returns it for the log); in the outer run, by re-running this test alone
    /// under `valgrind` and requiring that run to pass. Without Valgrind, returns after
    /// [`valgrind_present`] has reported the skip (or failed, under `KVCERT_REQUIRE_INTEROP=1`).
    fn under_memcheck(test: &str, body: impl FnOnce() -> u64) {
        if std::env::var_os(INNER).is_some() {
            assert!(
                ct_check::running_on_valgrind(),
                "{INNER} is set but this process is not under Valgrind"
            );
            assert_eq!(
                std::env::var(HOST_FEATURES).ok(),
                Some(kernel_features()),
                "Valgrind's CPU offers other kernel features than the host"
            );
            let errors = body();
            println!("memcheck errors during {test}: {errors}");
            return;
        }
        if !valgrind_present() {
            return;
        }
        let exe = std::env::current_exe().expect("test binary path");
        let out = Command::new("valgrind")
            .args([
                "--tool=memcheck",
                "--quiet",
                "--error-limit=no",
                "--track-origins=yes",
                "--num-callers=40",
            ])
            .arg(&exe)
            .args([test, "--exact", "--nocapture", "--test-threads=1"])
            .env(INNER, "1")
            .env(HOST_FEATURES, kernel_features())
            .output()
            .expect("run valgrind");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stdout.contains("1 passed"),
            "{test} under Valgrind failed ({}).\n--- stdout\n{stdout}\n--- stderr (memcheck's reports)\n{}",
            out.status,
            tail(&stderr, 60_000)
        );
        // The inner run's own line, for the log.
        if let Some(line) = stdout.lines().find(|l| l.starts_with("memcheck errors")) {
            println!("{line}");
        }
    }

    fn tail(s: &str, max: usize) -> &str {
        let start = s.len().saturating_sub(max);
        let start = (start..=s.len())
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(s.len());
        &s[start..]
    }

    /// The errors memcheck reports while `f` runs.
    fn errors_during<T>(f: impl FnOnce() -> T) -> (T, u64) {
        let before = ct_check::error_count();
        let value = f();
        (value, ct_check::error_count() - before)
    }

    const MESSAGE: &[u8] = include_bytes!("data/ct/message.txt");

    fn sign_is_constant_time(key_pem: &str, expected_b64: &str) -> u64 {
        use kvcert_rsa::rsa::pkcs8::DecodePrivateKey;
        use sha2::Digest;
        let key = kvcert_rsa::rsa::PrivateKey::from_pkcs8_pem(key_pem).expect("fixed key");
        let digest: [u8; 32] = sha2::Sha256::digest(MESSAGE).into();
        let mut rng = ChaCha20Rng::seed_from_u64(14);
        // Twice: the first call also builds what is built once per process.
        let mut total = 0;
        for _ in 0..2 {
            let (signature, errors) =
                errors_during(|| kvcert_rsa::sign_pkcs1v15_sha256(&key, &digest, &mut rng));
            let signature = signature.expect("signs");
            total += errors;
            // OpenSSL's signature of the same message (tests/data/ct/README.md): the code that
            // ran under memcheck is the code that signs correctly.
            let expected = {
                use base64ct::Encoding;
                base64ct::Base64::decode_vec(expected_b64.trim()).expect("base64")
            };
            assert_eq!(signature, expected, "signature differs from OpenSSL's");
        }
        assert_eq!(
            total, 0,
            "memcheck saw a branch or an address depend on a secret while signing"
        );
        total
    }

    #[test]
    fn rsa2048_signing() {
        under_memcheck("check::rsa2048_signing", || {
            sign_is_constant_time(
                include_str!("data/keys/rsa2048.pem"),
                include_str!("data/ct/rsa2048.sig.b64"),
            )
        });
    }

    #[test]
    fn rsa4096_signing() {
        under_memcheck("check::rsa4096_signing", || {
            sign_is_constant_time(
                include_str!("data/keys/rsa4096.pem"),
                include_str!("data/ct/rsa4096.sig.b64"),
            )
        });
    }

    /// Key generation: every candidate is marked secret when drawn, so the kept primes are
    /// checked through trial division, the base-2 test and every Miller–Rabin round.
    fn keygen_is_constant_time(size: RsaSize, seed: u64) -> u64 {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let (key, errors) = errors_during(|| kvcert_rsa::generate(size, &mut rng));
        let (_, stats) = key.expect("key");
        assert!(stats.exponentiations > 0);
        assert_eq!(
            errors, 0,
            "memcheck saw a branch or an address depend on a secret in the prime search"
        );
        errors
    }

    #[test]
    fn rsa2048_key_generation() {
        under_memcheck("check::rsa2048_key_generation", || {
            keygen_is_constant_time(RsaSize::Rsa2048, 1)
        });
    }

    /// The check itself: a branch on a marked byte must be reported, or a clean run above would
    /// prove nothing.
    #[test]
    fn a_secret_branch_is_caught() {
        under_memcheck("check::a_secret_branch_is_caught", || {
            let mut secret = [0x5Au8; 8];
            ct_check::mark_secret(&mut secret);
            let (_, errors) = errors_during(|| {
                // A branch on the secret's low bit, which the optimiser must keep.
                if std::hint::black_box(secret)[0] & 1 == 1 {
                    std::hint::black_box(1)
                } else {
                    std::hint::black_box(2)
                }
            });
            ct_check::mark_public(&mut secret);
            assert!(errors >= 1, "memcheck did not report a branch on a secret");
            errors
        });
    }

    /// Whether `valgrind` runs. Without it: a failure under `KVCERT_REQUIRE_INTEROP=1` (set by
    /// `.ci/run`, where a missing tool must not pass as a skip), otherwise `false` after a
    /// `SKIPPED` line on the real standard error, past libtest's capture.
    fn valgrind_present() -> bool {
        use std::io::Write;
        let found = Command::new("valgrind")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if found {
            return true;
        }
        let required =
            std::env::var("KVCERT_REQUIRE_INTEROP").is_ok_and(|v| !v.is_empty() && v != "0");
        assert!(
            !required,
            "constant_time needs Valgrind (KVCERT_REQUIRE_INTEROP is set): install Valgrind (apt-get install valgrind)"
        );
        let _ = writeln!(
            std::io::stderr().lock(),
            "SKIPPED constant_time: Valgrind not found (install Valgrind: apt-get install valgrind)"
        );
        false
    }
}
