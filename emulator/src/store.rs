//! The state file: the vault as `VaultState::to_json`, written atomically (a temporary file
//! beside it, synced, then renamed over it), so that a crash leaves the old file or the new
//! one, never half of one. The file holds private keys: it is created readable by its owner
//! only (on Unix).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use kvcert::VaultState;

/// The largest state file loaded (a guard against pointing `--state` at the wrong file).
pub const MAX_STATE_BYTES: u64 = 1 << 30;

/// Where the vault is kept.
#[derive(Debug, Clone)]
pub struct Store {
    path: PathBuf,
}

impl Store {
    /// A store at `path`.
    pub fn new(path: PathBuf) -> Self {
        Store { path }
    }

    /// The saved vault, `None` when there is no file yet.
    ///
    /// # Errors
    ///
    /// A message naming the file when it cannot be read or is not a vault kvcert saved.
    pub fn load(&self) -> Result<Option<VaultState>, String> {
        let shown = self.path.display();
        let meta = match fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{shown}: {e}")),
        };
        if meta.len() > MAX_STATE_BYTES {
            return Err(format!(
                "{shown}: larger than {MAX_STATE_BYTES} bytes: not a state file"
            ));
        }
        let text = zeroize::Zeroizing::new(
            fs::read_to_string(&self.path).map_err(|e| format!("{shown}: {e}"))?,
        );
        VaultState::from_json(&text)
            .map(Some)
            .map_err(|e| format!("{shown} is not a saved vault (corrupt or from elsewhere): {e}"))
    }

    /// Saves `state` atomically.
    ///
    /// # Errors
    ///
    /// The I/O error, with the file's name.
    pub fn save(&self, state: &VaultState) -> Result<(), String> {
        let json = state.to_json().map_err(|e| e.to_string())?;
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let shown = tmp.display();
        let mut file = create_private(&tmp).map_err(|e| format!("{shown}: {e}"))?;
        file.write_all(json.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| format!("{shown}: {e}"))?;
        drop(file);
        fs::rename(&tmp, &self.path).map_err(|e| format!("{}: {e}", self.path.display()))?;
        // The rename itself reaches the disk with the directory.
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

fn create_private(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kvcert::Vault;

    fn dir(label: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "kvcert-emulator-store-{label}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn saves_and_loads_and_refuses_a_corrupt_file() {
        let d = dir("roundtrip");
        let store = Store::new(d.join("vault.json"));
        assert!(store.load().unwrap().is_none(), "no file yet");
        let state = VaultState::new(Vault::new("https://127.0.0.1:1"));
        store.save(&state).unwrap();
        assert!(store.load().unwrap().unwrap() == state);
        assert!(!d.join("vault.json.tmp").exists(), "renamed, not left");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&store.path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let text = fs::read_to_string(&store.path).unwrap();
        fs::write(&store.path, &text[..text.len() / 2]).unwrap();
        let err = store.load().unwrap_err();
        assert!(err.contains("not a saved vault"), "{err}");
        fs::remove_dir_all(&d).unwrap();
    }
}
