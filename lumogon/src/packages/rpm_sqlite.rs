//! rpm's SQLite database (`rpmdb.sqlite`) read as hostile data.
//!
//! The file comes out of a container that anybody may have built, and an
//! SQLite file carries a schema: views, triggers, virtual tables and
//! generated columns are code that runs when a row is read, and can loop
//! forever, allocate gigabytes or spill a sort to disk. So the database is
//! opened in memory only, under SQLite's own limits and a deadline, and its
//! schema must be rpm's own (ordinary tables and indexes, `Packages` with
//! exactly rpm's two columns) before a single row is read.

use std::io::Read;

use rusqlite::limits::Limit;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, MAIN_DB};

use crate::stop::Stop;

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";
const SQLITE_HEADER_LEN: usize = 100;

/// The largest value SQLite may hand back: one rpm header. rpm allows a
/// header up to 256 MiB, but the largest packages of a distribution (file
/// lists of tens of thousands of entries) stay under a few MiB.
pub const MAX_VALUE_BYTES: i32 = 16 * 1024 * 1024;

/// SQLite's own memory, over every connection of the process: the database
/// image (at most the 64 MiB lumogon reads of a file), plus pages, plus one
/// value. Past it, SQLite fails with "out of memory" instead of growing.
const HEAP_LIMIT_BYTES: i64 = 144 * 1024 * 1024;

/// Page cache per connection (negative: KiB, as the pragma takes it).
const CACHE_KIB: i64 = 4 * 1024;

/// SQLite virtual-machine steps between two looks at the deadline.
const STEPS_BETWEEN_CHECKS: i32 = 1000;

/// rpm's own `Packages` table, column by column: name, declared type,
/// place in the primary key.
const RPM_COLUMNS: [(&str, &str, i64); 2] = [("hnum", "INTEGER", 1), ("blob", "BLOB", 0)];

const STOPPED: &str = "rpmdb.sqlite: reading it was stopped at the scan's deadline";

/// A `blob` column's value: rpm's header bytes, or what it held instead.
#[derive(Debug)]
pub enum Blob<'a> {
    Bytes(&'a [u8]),
    /// "null", "an integer", "a real" or "text".
    Not(&'static str),
}

/// Calls `each` with every row of `Packages`: its `hnum` and its `blob`.
///
/// # Errors
///
/// Not an SQLite file, not rpm's schema, damaged pages, a limit reached, or
/// `stop` requested; each one line naming the file.
pub fn each_header(
    db: Vec<u8>,
    stop: &Stop,
    mut each: impl FnMut(i64, Blob<'_>),
) -> Result<(), String> {
    let conn = open(db, stop)?;
    check_schema(&conn)?;
    let read_error = |e: rusqlite::Error| read_error(&e);
    // Rows in the table's own (rowid) order: no SQL sort, which could hold
    // or spill every blob at once.
    let mut statement = conn
        .prepare("SELECT hnum, blob FROM Packages")
        .map_err(read_error)?;
    let mut rows = statement.query([]).map_err(read_error)?;
    while let Some(row) = rows.next().map_err(read_error)? {
        // SQLite's progress handler only runs inside a step; between rows
        // the parsing of headers is lumogon's own time.
        if stop.requested() {
            return Err(STOPPED.to_owned());
        }
        let hnum: i64 = row.get(0).map_err(read_error)?;
        let blob = match row.get_ref(1).map_err(read_error)? {
            ValueRef::Blob(bytes) => Blob::Bytes(bytes),
            ValueRef::Null => Blob::Not("null"),
            ValueRef::Integer(_) => Blob::Not("an integer"),
            ValueRef::Real(_) => Blob::Not("a real"),
            ValueRef::Text(_) => Blob::Not("text"),
        };
        each(hnum, blob);
    }
    Ok(())
}

fn read_error(e: &rusqlite::Error) -> String {
    match e.sqlite_error_code() {
        Some(ErrorCode::OperationInterrupted) => STOPPED.to_owned(),
        Some(ErrorCode::OutOfMemory) => format!(
            "rpmdb.sqlite needs more memory than lumogon gives SQLite ({} MiB)",
            HEAP_LIMIT_BYTES >> 20
        ),
        Some(ErrorCode::TooBig) => format!(
            "rpmdb.sqlite holds a value larger than an rpm header may be here ({} MiB)",
            MAX_VALUE_BYTES >> 20
        ),
        _ => format!("rpmdb.sqlite cannot be read: {e}"),
    }
}

fn not_rpm(why: impl std::fmt::Display) -> String {
    format!("rpmdb.sqlite is not an rpm database: {why}")
}

/// Loads the file into a private in-memory SQLite, so that nothing is
/// written to disk and a `-wal`/`-shm` pair is never looked for, and puts
/// the limits in place before SQLite reads the schema.
fn open(db: Vec<u8>, stop: &Stop) -> Result<Connection, String> {
    let (Some(head), Some(&[write_version, read_version]), Some(tail)) =
        (db.get(..18), db.get(18..20), db.get(20..))
    else {
        return Err("rpmdb.sqlite is not an SQLite database".to_owned());
    };
    if !db.starts_with(SQLITE_MAGIC) || db.len() < SQLITE_HEADER_LEN {
        return Err("rpmdb.sqlite is not an SQLite database".to_owned());
    }
    check_size(&db)?;
    let mut conn = Connection::open_in_memory()
        .map_err(|e| format!("cannot open an in-memory SQLite database: {e}"))?;
    limit(&conn)?;
    let stop = stop.clone();
    conn.progress_handler(STEPS_BETWEEN_CHECKS, Some(move || stop.requested()))
        .map_err(|e| format!("cannot watch SQLite's progress: {e}"))?;
    // rpm puts its database in WAL mode (file format versions 2, 2), and
    // SQLite refuses to open a deserialized WAL database. Marking the copy
    // as rollback-journal (1, 1) is SQLite's documented workaround; the
    // pages are the same either way. The caller fetched only rpmdb.sqlite,
    // so anything still in a -wal file is out of reach regardless.
    let rollback = |version: u8| if version == 2 { 1 } else { version };
    let versions = [rollback(write_version), rollback(read_version)];
    let image = head.chain(&versions[..]).chain(tail);
    conn.deserialize_read_exact(MAIN_DB, image, db.len(), true)
        .map_err(|e| format!("rpmdb.sqlite cannot be loaded: {}", read_error(&e)))?;
    // SQLite holds its own copy now.
    drop(db);
    // No schema-defined functions or virtual tables, extra checks on
    // corrupt pages, temporary data in memory only (under the heap limit),
    // and nothing ever written.
    conn.execute_batch(&format!(
        "PRAGMA trusted_schema = OFF;
         PRAGMA cell_size_check = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -{CACHE_KIB};
         PRAGMA mmap_size = 0;
         PRAGMA query_only = ON;"
    ))
    .map_err(|e| format!("rpmdb.sqlite cannot be loaded: {}", read_error(&e)))?;
    Ok(conn)
}

/// SQLite's limits, set before the schema is parsed: rpm's schema and
/// lumogon's one query fit far inside each of them.
fn limit(conn: &Connection) -> Result<(), String> {
    let limits = [
        (Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES),
        (Limit::SQLITE_LIMIT_SQL_LENGTH, 100_000),
        (Limit::SQLITE_LIMIT_COLUMN, 100),
        (Limit::SQLITE_LIMIT_EXPR_DEPTH, 100),
        (Limit::SQLITE_LIMIT_COMPOUND_SELECT, 10),
        (Limit::SQLITE_LIMIT_VDBE_OP, 100_000),
        (Limit::SQLITE_LIMIT_FUNCTION_ARG, 8),
        (Limit::SQLITE_LIMIT_ATTACHED, 0),
        (Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 100),
        (Limit::SQLITE_LIMIT_VARIABLE_NUMBER, 10),
        (Limit::SQLITE_LIMIT_TRIGGER_DEPTH, 1),
        (Limit::SQLITE_LIMIT_WORKER_THREADS, 0),
    ];
    for (which, value) in limits {
        conn.set_limit(which, value)
            .map_err(|e| format!("cannot limit SQLite ({which:?}): {e}"))?;
    }
    // Process-wide; setting it again is harmless.
    conn.query_row(
        &format!("PRAGMA hard_heap_limit = {HEAP_LIMIT_BYTES}"),
        [],
        |_| Ok(()),
    )
    .map_err(|e| format!("cannot limit SQLite's memory: {e}"))
}

/// What rpm writes, and nothing else: ordinary tables and indexes (no view,
/// trigger or virtual table anywhere), and `Packages` an ordinary table
/// with exactly rpm's columns, no index of its own and no hidden or
/// generated column. Checked before any row is read, since reading a row of
/// anything else can run the file's own code.
fn check_schema(conn: &Connection) -> Result<(), String> {
    let read_error = |e: rusqlite::Error| read_error(&e);
    let mut statement = conn
        .prepare("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema")
        .map_err(read_error)?;
    let objects = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
            ))
        })
        .map_err(read_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_error)?;
    let mut packages = false;
    for (kind, name, table, sql) in &objects {
        let virtual_table = sql
            .split_whitespace()
            .take(3)
            .map(str::to_ascii_uppercase)
            .eq(["CREATE", "VIRTUAL", "TABLE"]);
        match kind.as_str() {
            "table" if virtual_table => return Err(not_rpm(format!("{name} is a virtual table"))),
            "table" => packages |= name == "Packages",
            "index" if table == "Packages" => {
                return Err(not_rpm(format!("Packages has an index ({name})")));
            }
            "index" => {}
            other => return Err(not_rpm(format!("it has a {other} ({name})"))),
        }
    }
    if !packages {
        return Err(not_rpm("it has no Packages table"));
    }
    let mut statement = conn
        .prepare("SELECT name, upper(type), pk, hidden FROM pragma_table_xinfo('Packages')")
        .map_err(read_error)?;
    let columns = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, i64>(3)?,
            ))
        })
        .map_err(read_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_error)?;
    if let Some((name, ..)) = columns.iter().find(|(.., hidden)| *hidden != 0) {
        return Err(not_rpm(format!(
            "Packages.{name} is a generated or hidden column"
        )));
    }
    let found: Vec<(&str, &str, i64)> = columns
        .iter()
        .map(|(name, kind, pk, _)| (name.as_str(), kind.as_str(), *pk))
        .collect();
    if found != RPM_COLUMNS {
        let list = |columns: &[(&str, &str, i64)]| {
            columns
                .iter()
                .map(|(name, kind, _)| format!("{name} {kind}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(not_rpm(format!(
            "Packages has the columns ({}), rpm's has ({})",
            list(&found),
            list(&RPM_COLUMNS)
        )));
    }
    Ok(())
}

/// SQLite zero-fills pages past the end of a short in-memory image instead
/// of failing, so a truncated copy could read as a smaller, valid database.
/// The header records the page count (valid when its "version-valid-for"
/// number matches the change counter, which SQLite ≥ 3.7.0 keeps so).
fn check_size(db: &[u8]) -> Result<(), String> {
    let be32 = |at: usize| {
        db.get(at..at + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_be_bytes)
    };
    let page_size = match db.get(16..18) {
        Some(&[0, 1]) => 65_536,
        Some(&[hi, lo]) => u64::from(u16::from_be_bytes([hi, lo])),
        _ => return Ok(()),
    };
    let (Some(change_counter), Some(page_count), Some(valid_for)) = (be32(24), be32(28), be32(92))
    else {
        return Ok(());
    };
    if change_counter != valid_for || page_count == 0 {
        return Ok(());
    }
    let expected = page_size * u64::from(page_count);
    let actual = db.len() as u64;
    if actual < expected {
        return Err(format!(
            "rpmdb.sqlite is truncated: its header says {expected} bytes ({page_count} pages of {page_size}), the file holds {actual}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes of an SQLite database made by `schema`.
    fn database(schema: &str) -> Vec<u8> {
        let mut conn = Connection::open_in_memory().expect("in-memory database");
        conn.execute_batch(schema).expect("schema");
        conn.serialize(MAIN_DB).expect("serialize").to_vec()
    }

    const RPM_SCHEMA: &str = "
        CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);
        CREATE TABLE 'Name' (key 'TEXT' NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL,
            FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum));
        CREATE INDEX 'Name_key_idx' ON 'Name'(key ASC);
        INSERT INTO Packages (blob) VALUES (x'00'), (x'0102');";

    fn rows(db: Vec<u8>, stop: &Stop) -> Result<Vec<(i64, usize)>, String> {
        let mut rows = Vec::new();
        each_header(db, stop, |hnum, blob| {
            let len = match blob {
                Blob::Bytes(bytes) => bytes.len(),
                Blob::Not(_) => 0,
            };
            rows.push((hnum, len));
        })?;
        Ok(rows)
    }

    fn refused(schema: &str) -> String {
        rows(database(schema), &Stop::never()).expect_err("not rpm's schema")
    }

    #[test]
    fn rpms_own_schema_is_read() {
        assert_eq!(
            rows(database(RPM_SCHEMA), &Stop::never()),
            Ok(vec![(1, 1), (2, 2)])
        );
    }

    #[test]
    fn code_in_the_schema_is_refused_before_any_row_is_read() {
        let cases = [
            (
                "CREATE VIRTUAL TABLE Packages USING fts5(hnum, blob);",
                "not an rpm database: Packages is a virtual table",
            ),
            (
                "CREATE TABLE t (x); CREATE VIEW Packages AS SELECT 1 AS hnum, x AS blob FROM t;",
                "not an rpm database: it has a view (Packages)",
            ),
            (
                "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);
                 CREATE VIEW v AS WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT n FROM c;",
                "not an rpm database: it has a view (v)",
            ),
            (
                "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);
                 CREATE TRIGGER t AFTER INSERT ON Packages BEGIN SELECT load_extension('x'); END;",
                "not an rpm database: it has a trigger (t)",
            ),
            (
                "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, x INTEGER, blob AS (zeroblob(1000000000)));",
                "not an rpm database: Packages.blob is a generated or hidden column",
            ),
            (
                "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB, extra TEXT);",
                "not an rpm database: Packages has the columns (hnum INTEGER, blob BLOB, extra TEXT), rpm's has (hnum INTEGER, blob BLOB)",
            ),
            (
                "CREATE TABLE Packages (id INTEGER PRIMARY KEY, hnum INTEGER, blob BLOB);",
                "not an rpm database: Packages has the columns (id INTEGER, hnum INTEGER, blob BLOB)",
            ),
            (
                "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB);
                 CREATE INDEX i ON Packages(length(blob));",
                "not an rpm database: Packages has an index (i)",
            ),
            (
                "CREATE TABLE Other (x);",
                "not an rpm database: it has no Packages table",
            ),
        ];
        for (schema, expected) in cases {
            let error = refused(schema);
            assert!(error.contains(expected), "{schema}\n{error}");
            assert!(
                error.starts_with("rpmdb.sqlite is not an rpm database: "),
                "{error}"
            );
        }
    }

    #[test]
    fn a_stop_interrupts_the_reading() {
        let (stop, cancel) = Stop::new(crate::stop::Deadline::after(60));
        drop(cancel);
        let error = rows(database(RPM_SCHEMA), &stop).expect_err("stopped");
        assert_eq!(
            error,
            "rpmdb.sqlite: reading it was stopped at the scan's deadline"
        );
    }

    #[test]
    fn a_value_past_the_length_limit_is_refused() {
        let mut conn = Connection::open_in_memory().expect("in-memory database");
        conn.execute_batch(RPM_SCHEMA).expect("schema");
        conn.execute(
            "INSERT INTO Packages (blob) VALUES (zeroblob(?1))",
            [MAX_VALUE_BYTES + 1],
        )
        .expect("a big blob");
        let db = conn.serialize(MAIN_DB).expect("serialize").to_vec();
        let error = rows(db, &Stop::never()).expect_err("too big");
        assert!(
            error.contains("larger than an rpm header may be here"),
            "{error}"
        );
    }
}
