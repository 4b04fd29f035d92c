//! The vault on disk: an SQLite database (the bundled SQLite, in WAL mode) with a row per
//! stored object, written one transaction per change set.
//!
//! One database holds every vault the emulator serves (`--vault`), each row keyed by its
//! vault's name:
//!
//! | table | rows |
//! |---|---|
//! | `entries` | one per vault and certificate name: [`VaultState::entry_json`] (the certificate and the deleted certificate) |
//! | `settings` | one per vault: [`VaultState::settings_json`] (the vault's URL and delays, issuers, contacts, emulated CAs, notifications) |
//! | `meta` | per vault: the clock (offset and the last instant handed out) and the position of the vault's RNG |
//!
//! A change reaches clients only after its transaction has committed ([`VaultStore::commit`]); when
//! the commit fails, the rows it named are read back into the vault ([`VaultStore::revert`]), so
//! the vault is again what the database holds. `synchronous=NORMAL`: a commit survives the
//! process being killed (kill -9) at any moment; a power cut may lose the last commits, never
//! the database. SQLite's own temporary files stay in memory, deleted content is overwritten
//! (`secure_delete`), and the file is created readable by its owner only (on Unix): it holds
//! private keys.
//!
//! A state file of the JSON format earlier versions wrote is migrated when the emulator
//! starts on it: its rows go into a new database at the same path, as the first vault's, and
//! the JSON is kept beside it as `FILE.json-before-sqlite`.

use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use kvcert::VaultState;
use kvcert::service::engine::ChangeSet;
use rusqlite::{Connection, OptionalExtension, params};
use zeroize::Zeroizing;

use crate::Error;
use crate::error::{StateFileProblem, kvcert};

/// The largest JSON state file migrated (a guard against pointing `--state` at the wrong
/// file).
pub const MAX_STATE_BYTES: u64 = 1 << 30;
/// The schema this emulator writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 1;
/// Marks a kvcert vault (`PRAGMA application_id`, "kvc1").
pub const APPLICATION_ID: i64 = 0x6b76_6331;
/// How long a write waits for another process that holds the database before it fails.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// The emulator's own state, kept with the vault.
#[derive(Clone, PartialEq, Eq)]
pub struct Meta {
    /// Seconds added to the system clock.
    pub offset: i64,
    /// The latest instant handed to the engine (Unix seconds): time never goes back, even
    /// across a restart.
    pub last: u64,
    /// The vault RNG's seed (ChaCha20), so that a restarted emulator goes on where it was.
    pub rng_seed: Zeroizing<[u8; 32]>,
    /// The vault RNG's position.
    pub rng_word_pos: u128,
}

impl core::fmt::Debug for Meta {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Meta")
            .field("offset", &self.offset)
            .field("last", &self.last)
            .field("rng_seed", &"<elided>")
            .field("rng_word_pos", &self.rng_word_pos)
            .finish()
    }
}

/// What a database held when it was opened.
#[derive(Debug)]
pub struct Saved {
    /// The vault.
    pub state: VaultState,
    /// The clock and the RNG, `None` for a vault migrated from a JSON file (which kept
    /// neither).
    pub meta: Option<Meta>,
}

/// The open database, shared by the vaults it holds (one writer at a time).
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// The vault a JSON state file became when this store was opened.
    migrated: Option<String>,
}

/// One vault's rows in a [`Store`].
#[derive(Clone)]
pub struct VaultStore {
    store: Arc<Store>,
    vault: String,
}

impl core::fmt::Debug for VaultStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VaultStore")
            .field("path", &self.store.path)
            .field("vault", &self.vault)
            .finish()
    }
}

impl core::fmt::Debug for Store {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// The database's error, with its file.
fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |source| Error::Store {
        path: path.to_owned(),
        source,
    }
}

/// The file system's error, with its file.
fn file(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::File {
        path: path.to_owned(),
        source,
    }
}

/// What is wrong with the file at `path`.
fn state_file(path: &Path, problem: StateFileProblem) -> Error {
    Error::StateFile {
        path: path.to_owned(),
        problem,
    }
}

impl Store {
    /// Opens the database at `path`, creating it if there is no file, or migrating a JSON
    /// state file of an earlier version into the rows of vault `first`.
    ///
    /// # Errors
    ///
    /// [`Error::StateFile`] when the file is neither a kvcert database of this schema nor a
    /// state file kvcert wrote; [`Error::File`] or [`Error::Store`] when it cannot be read or
    /// written. Each names the file.
    pub fn open(path: &Path, first: &str) -> Result<Arc<Store>, Error> {
        let mut head = [0u8; 16];
        let existing = match File::open(path) {
            Ok(mut f) => Some(f.read(&mut head).map_err(file(path))?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(file(path)(e)),
        };
        match existing {
            None | Some(0) => {
                create_private(path).map_err(file(path))?;
                Store::connect(path)
            }
            Some(16) if &head == b"SQLite format 3\0" => Store::connect(path),
            Some(_) if head.trim_ascii_start().first() == Some(&b'{') => {
                Store::migrate(path, first)
            }
            Some(_) => Err(state_file(path, StateFileProblem::Unknown)),
        }
    }

    /// The rows of vault `name`.
    pub fn vault(self: &Arc<Self>, name: &str) -> VaultStore {
        VaultStore {
            store: Arc::clone(self),
            vault: name.to_owned(),
        }
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic inside a transaction rolls it back when the guard's statement drops; the
        // connection itself stays usable.
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn connect(path: &Path) -> Result<Arc<Store>, Error> {
        let conn = Connection::open(path).map_err(sql(path))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql(path))?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; \
             PRAGMA secure_delete=ON; PRAGMA foreign_keys=OFF;",
        )
        .map_err(sql(path))?;
        let id: i64 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(sql(path))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sql(path))?;
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .map_err(sql(path))?;
        match (id, version, tables) {
            (0, 0, 0) => {
                conn.execute_batch(&format!(
                    "BEGIN; \
                     CREATE TABLE entries (vault TEXT NOT NULL, name TEXT NOT NULL, json TEXT NOT NULL, \
                         PRIMARY KEY (vault, name)) WITHOUT ROWID; \
                     CREATE TABLE settings (vault TEXT PRIMARY KEY NOT NULL, json TEXT NOT NULL) WITHOUT ROWID; \
                     CREATE TABLE meta (vault TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, \
                         PRIMARY KEY (vault, key)) WITHOUT ROWID; \
                     PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION}; \
                     COMMIT;"
                ))
                .map_err(sql(path))?;
            }
            (APPLICATION_ID, SCHEMA_VERSION, _) => {}
            (APPLICATION_ID, found, _) => {
                return Err(state_file(
                    path,
                    StateFileProblem::Schema {
                        found,
                        expected: SCHEMA_VERSION,
                    },
                ));
            }
            _ => return Err(state_file(path, StateFileProblem::ForeignDatabase)),
        }
        Ok(Arc::new(Store {
            conn: Mutex::new(conn),
            path: path.to_owned(),
            migrated: None,
        }))
    }

    /// A JSON state file of an earlier version: its rows into a new database at `path`, as
    /// vault `first`'s, the JSON kept beside it.
    fn migrate(path: &Path, first: &str) -> Result<Arc<Store>, Error> {
        let shown = path.display();
        let size = fs::metadata(path).map_err(file(path))?.len();
        if size > MAX_STATE_BYTES {
            return Err(state_file(
                path,
                StateFileProblem::TooLarge {
                    size,
                    limit: MAX_STATE_BYTES,
                },
            ));
        }
        let text = Zeroizing::new(fs::read_to_string(path).map_err(file(path))?);
        let state = VaultState::from_json(&text)
            .map_err(|e| state_file(path, StateFileProblem::NotAVault(Box::new(e))))?;
        let mut kept = path.as_os_str().to_owned();
        kept.push(".json-before-sqlite");
        let kept = PathBuf::from(kept);
        let building = path.with_extension("migrating");
        let _ = fs::remove_file(&building);
        create_private(&building).map_err(file(&building))?;
        let store = Store::connect(&building)?;
        store.vault(first).write_all(&state, None)?;
        drop(store);
        fs::rename(path, &kept).map_err(file(path))?;
        fs::rename(&building, path).map_err(file(path))?;
        eprintln!(
            "kvcert-emulator: migrated the JSON state file {shown} to a database (vault {first}); the JSON is kept as {}",
            kept.display()
        );
        let store = Store::connect(path)?;
        Ok(Arc::new(Store {
            migrated: Some(first.to_owned()),
            ..Arc::into_inner(store).ok_or(Error::Internal("the store is shared already"))?
        }))
    }
}

impl VaultStore {
    /// The vault's name.
    pub fn name(&self) -> &str {
        &self.vault
    }

    /// What the database holds for this vault, `None` for a vault new to it.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when a row cannot be read, [`Error::StateFile`] when it is not one
    /// kvcert wrote; each names the file.
    pub fn load(&self) -> Result<Option<Saved>, Error> {
        let path = &self.store.path;
        let e = sql(path);
        let conn = self.store.conn();
        let settings: Option<String> = conn
            .query_row(
                "SELECT json FROM settings WHERE vault = ?1",
                [&self.vault],
                |r| r.get(0),
            )
            .optional()
            .map_err(&e)?;
        let Some(settings) = settings.map(Zeroizing::new) else {
            return Ok(None);
        };
        let mut rows = conn
            .prepare("SELECT name, json FROM entries WHERE vault = ?1 ORDER BY name")
            .map_err(&e)?;
        let entries: Vec<(String, Zeroizing<String>)> = rows
            .query_map([&self.vault], |r| {
                Ok((r.get(0)?, Zeroizing::new(r.get(1)?)))
            })
            .map_err(&e)?
            .collect::<Result<_, _>>()
            .map_err(&e)?;
        let state = VaultState::from_rows(
            &settings,
            entries.iter().map(|(n, j)| (n.as_str(), j.as_str())),
        )
        .map_err(|e| state_file(path, StateFileProblem::ForeignRow(Box::new(e))))?;
        let meta = self.meta(&conn)?;
        Ok(Some(Saved { state, meta }))
    }

    /// Whether this vault's rows came from a JSON state file just now (its RNG and clock
    /// were not kept there).
    pub fn migrated(&self) -> bool {
        self.store.migrated.as_deref() == Some(self.vault.as_str())
    }

    fn meta(&self, conn: &Connection) -> Result<Option<Meta>, Error> {
        let e = sql(&self.store.path);
        let get = |key: &str| -> Result<Option<String>, Error> {
            conn.query_row(
                "SELECT value FROM meta WHERE vault = ?1 AND key = ?2",
                [&self.vault, key],
                |r| r.get(0),
            )
            .optional()
            .map_err(&e)
        };
        let (Some(offset), Some(last), Some(seed), Some(pos)) = (
            get("clock_offset")?,
            get("clock_last")?,
            get("rng_seed")?.map(Zeroizing::new),
            get("rng_word_pos")?,
        ) else {
            return Ok(None);
        };
        let bad = || state_file(&self.store.path, StateFileProblem::DamagedMeta);
        let mut rng_seed = Zeroizing::new([0u8; 32]);
        if seed.len() != 64 {
            return Err(bad());
        }
        for (i, byte) in rng_seed.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&seed[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Some(Meta {
            offset: offset.parse().map_err(|_| bad())?,
            last: last.parse().map_err(|_| bad())?,
            rng_seed,
            rng_word_pos: pos.parse().map_err(|_| bad())?,
        }))
    }

    /// Writes every row of `state` (a vault new to this database), and `meta`.
    ///
    /// # Errors
    ///
    /// [`Error::Store`], the database's error with the file's name, or [`Error::Kvcert`] when
    /// a row cannot be rendered; nothing is written then.
    pub fn write_all(&self, state: &VaultState, meta: Option<&Meta>) -> Result<(), Error> {
        let e = sql(&self.store.path);
        let mut conn = self.store.conn();
        let tx = conn.transaction().map_err(&e)?;
        tx.execute("DELETE FROM entries WHERE vault = ?1", [&self.vault])
            .map_err(&e)?;
        for name in state.entry_names() {
            if let Some(json) = state
                .entry_json(name)
                .map_err(kvcert("a certificate's row"))?
            {
                tx.execute(
                    "INSERT INTO entries (vault, name, json) VALUES (?1, ?2, ?3)",
                    params![self.vault, name, json.as_str()],
                )
                .map_err(&e)?;
            }
        }
        write_settings(&tx, &self.vault, state).map_err(&e)?;
        if let Some(meta) = meta {
            write_meta(&tx, &self.vault, meta).map_err(&e)?;
        }
        tx.commit().map_err(&e)
    }

    /// Writes the rows `changes` names, and `meta`, in one transaction.
    ///
    /// # Errors
    ///
    /// [`Error::Store`], the database's error with the file's name, or [`Error::Kvcert`] when
    /// a row cannot be rendered; nothing is written then.
    pub fn commit(
        &self,
        state: &VaultState,
        changes: &ChangeSet,
        meta: &Meta,
    ) -> Result<(), Error> {
        let e = sql(&self.store.path);
        let mut conn = self.store.conn();
        let tx = conn.transaction().map_err(&e)?;
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO entries (vault, name, json) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (vault, name) DO UPDATE SET json = excluded.json",
                )
                .map_err(&e)?;
            let mut delete = tx
                .prepare_cached("DELETE FROM entries WHERE vault = ?1 AND name = ?2")
                .map_err(&e)?;
            for name in changes.names() {
                match state
                    .entry_json(name)
                    .map_err(kvcert("a certificate's row"))?
                {
                    Some(json) => upsert.execute(params![self.vault, name, json.as_str()]),
                    None => delete.execute([&self.vault, name]),
                }
                .map_err(&e)?;
            }
        }
        if changes.settings_changed() {
            write_settings(&tx, &self.vault, state).map_err(&e)?;
        }
        write_meta(&tx, &self.vault, meta).map_err(&e)?;
        tx.commit().map_err(&e)
    }

    /// Writes `meta` alone (a clock move).
    ///
    /// # Errors
    ///
    /// [`Error::Store`]: the database's error, with the file's name.
    pub fn commit_meta(&self, meta: &Meta) -> Result<(), Error> {
        let e = sql(&self.store.path);
        let mut conn = self.store.conn();
        let tx = conn.transaction().map_err(&e)?;
        write_meta(&tx, &self.vault, meta).map_err(&e)?;
        tx.commit().map_err(&e)
    }

    /// Puts back into `state` the rows `changes` names, as the database holds them: after a
    /// commit failed, the vault is again what was committed.
    ///
    /// # Errors
    ///
    /// [`Error::Store`], the database's error with the file's name, or [`Error::Kvcert`] when
    /// a row does not go back (the vault may then differ from the database until the emulator
    /// restarts).
    pub fn revert(&self, state: &mut VaultState, changes: &ChangeSet) -> Result<(), Error> {
        let e = sql(&self.store.path);
        let conn = self.store.conn();
        for name in changes.names() {
            let json: Option<String> = conn
                .query_row(
                    "SELECT json FROM entries WHERE vault = ?1 AND name = ?2",
                    [&self.vault, name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(&e)?;
            let json = json.map(Zeroizing::new);
            state
                .put_entry(name, json.as_deref().map(String::as_str))
                .map_err(kvcert("a certificate's row"))?;
        }
        if changes.settings_changed() {
            let json: String = conn
                .query_row(
                    "SELECT json FROM settings WHERE vault = ?1",
                    [&self.vault],
                    |r| r.get(0),
                )
                .map_err(&e)?;
            let json = Zeroizing::new(json);
            state
                .put_settings(&json)
                .map_err(kvcert("the vault's settings"))?;
        }
        // What was put back is what the database holds: nothing to write.
        state.take_changes();
        Ok(())
    }
}

fn write_settings(
    tx: &rusqlite::Transaction<'_>,
    vault: &str,
    state: &VaultState,
) -> rusqlite::Result<()> {
    let json = state
        .settings_json()
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    tx.execute(
        "INSERT INTO settings (vault, json) VALUES (?1, ?2) \
         ON CONFLICT (vault) DO UPDATE SET json = excluded.json",
        [vault, json.as_str()],
    )?;
    Ok(())
}

fn write_meta(tx: &rusqlite::Transaction<'_>, vault: &str, meta: &Meta) -> rusqlite::Result<()> {
    let seed = Zeroizing::new(
        meta.rng_seed
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    );
    let mut put = tx.prepare_cached(
        "INSERT INTO meta (vault, key, value) VALUES (?1, ?2, ?3) \
         ON CONFLICT (vault, key) DO UPDATE SET value = excluded.value",
    )?;
    put.execute(params![vault, "clock_offset", meta.offset.to_string()])?;
    put.execute(params![vault, "clock_last", meta.last.to_string()])?;
    put.execute(params![vault, "rng_seed", seed.as_str()])?;
    put.execute(params![
        vault,
        "rng_word_pos",
        meta.rng_word_pos.to_string()
    ])?;
    Ok(())
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
    use kvcert::rand_core::SeedableRng;
    use kvcert::service::engine::Request;
    use kvcert::{ChaCha20Rng, UnixTime};

    struct Dir(PathBuf);

    impl Dir {
        fn new(label: &str) -> Dir {
            let d = std::env::temp_dir().join(format!(
                "kvcert-emulator-store-{label}-{}",
                std::process::id()
            ));
            let _ = fs::remove_dir_all(&d);
            fs::create_dir_all(&d).unwrap();
            Dir(d)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn meta(last: u64) -> Meta {
        Meta {
            offset: -5,
            last,
            rng_seed: Zeroizing::new([7; 32]),
            rng_word_pos: 1 << 70,
        }
    }

    fn created(state: &mut VaultState, name: &str) -> ChangeSet {
        let path = format!("/certificates/{name}/create?api-version=7.6");
        let body = br#"{"policy":{"key_props":{"kty":"EC"},"x509_props":{"subject":"CN=a"},"issuer":{"name":"Self"}}}"#;
        let now = UnixTime::from_unix_seconds(1_767_225_600).unwrap();
        let r = state.handle(
            &Request {
                method: "POST",
                path: &path,
                body,
            },
            now,
            &mut ChaCha20Rng::seed_from_u64(1),
        );
        assert_eq!(r.status, 202);
        state.take_changes()
    }

    #[test]
    fn commits_change_sets_and_opens_them_again() {
        let d = Dir::new("roundtrip");
        let path = d.0.join("vault.db");
        let store = Store::open(&path, "one").unwrap();
        let (one, two) = (store.vault("one"), store.vault("two"));
        assert!(one.load().unwrap().is_none(), "a new database");
        let mut state = VaultState::new(Vault::new("https://127.0.0.1:1"));
        one.write_all(&state, Some(&meta(10))).unwrap();
        let mut other = state.clone();
        two.write_all(&other, Some(&meta(20))).unwrap();
        let changes = created(&mut state, "a");
        one.commit(&state, &changes, &meta(11)).unwrap();
        let changes = created(&mut state, "b");
        one.commit(&state, &changes, &meta(12)).unwrap();
        let changes = created(&mut other, "b");
        two.commit(&other, &changes, &meta(21)).unwrap();
        drop((store, one, two));
        let store = Store::open(&path, "one").unwrap();
        let saved = store.vault("one").load().unwrap().unwrap();
        assert!(saved.state == state);
        assert!(saved.meta == Some(meta(12)));
        let saved = store.vault("two").load().unwrap().unwrap();
        assert!(saved.state == other, "each vault its own rows");
        assert!(saved.meta == Some(meta(21)));
        assert!(store.vault("three").load().unwrap().is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_failed_commit_is_reverted_from_the_database() {
        let d = Dir::new("revert");
        let path = d.0.join("vault.db");
        let store = Store::open(&path, "v").unwrap().vault("v");
        let mut state = VaultState::new(Vault::new("https://127.0.0.1:1"));
        store.write_all(&state, Some(&meta(1))).unwrap();
        let committed = state.clone();
        // Another process holds the database: the write waits BUSY_TIMEOUT, then fails.
        let other = Connection::open(&path).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let changes = created(&mut state, "a");
        assert!(store.commit(&state, &changes, &meta(2)).is_err());
        store.revert(&mut state, &changes).unwrap();
        assert!(state == committed, "nothing of the failed change");
        other.execute_batch("ROLLBACK").unwrap();
        let changes = created(&mut state, "a");
        store.commit(&state, &changes, &meta(2)).unwrap();
    }

    #[test]
    fn migrates_a_json_state_file_and_refuses_other_files() {
        let d = Dir::new("migrate");
        let path = d.0.join("vault.json");
        let mut state = VaultState::new(Vault::new("https://127.0.0.1:1"));
        created(&mut state, "a");
        fs::write(&path, state.to_json().unwrap().as_bytes()).unwrap();
        let store = Store::open(&path, "first").unwrap();
        assert!(store.vault("first").migrated() && !store.vault("other").migrated());
        let saved = store.vault("first").load().unwrap().unwrap();
        assert!(saved.state == state && saved.meta.is_none());
        let mut kept = path.as_os_str().to_owned();
        kept.push(".json-before-sqlite");
        assert!(Path::new(&kept).exists(), "the JSON is kept");
        let again = Store::open(&path, "first").unwrap();
        assert!(!again.vault("first").migrated());
        let saved = again.vault("first").load().unwrap().unwrap();
        assert!(saved.state == state, "a database now");

        let half = d.0.join("half.json");
        let text = state.to_json().unwrap();
        fs::write(&half, &text.as_bytes()[..text.len() / 2]).unwrap();
        let err = Store::open(&half, "v").map(|_| ()).unwrap_err();
        assert!(
            matches!(
                &err,
                Error::StateFile {
                    problem: StateFileProblem::NotAVault(_),
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("not a saved vault"), "{err}");
        let other = d.0.join("other.bin");
        fs::write(&other, b"\x00\x01 not a vault at all").unwrap();
        let err = Store::open(&other, "v").map(|_| ()).unwrap_err();
        assert!(
            err.to_string().contains("neither a kvcert vault database"),
            "{err}"
        );
        let foreign = d.0.join("foreign.db");
        Connection::open(&foreign)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let err = Store::open(&foreign, "v").map(|_| ()).unwrap_err();
        assert!(err.to_string().contains("not a kvcert vault"), "{err}");
    }
}
