//! Saving commits: each commit one statement where it can, several commits in one transaction,
//! a page of app updates in one statement.

use std::collections::{HashMap, HashSet};

use appmarket::actor::AppId;
use appmarket::secret::Secret;
use appmarket::store::{Commit, Record};
use appmarket::{Error, PurchasedApp, Target};
use chrono::{DateTime, Utc};
use postgres::types::ToSql;

use crate::PostgresStore;
use crate::errors::{is_connection_lost, to_error};
use crate::pool::{Conn, prepared};
use crate::rows::{self, KINDS, actor_key, nanos, row_of, stored_events, target_key};
use crate::run::Fail;
use crate::secrets;

impl PostgresStore {
    pub(crate) fn commit_once(&self, conn: &mut Conn, commit: &Commit, at: DateTime<Utc>) -> Result<u64, Fail> {
        let (client, statements) = conn.parts();
        if commit.writes.len() <= CHUNK {
            // One statement, on its own: atomic without BEGIN and COMMIT (one round trip, and the
            // stream head is held only while the server runs it).
            let head = self.apply_group(client, statements, &[commit], at, true)?;
            return Ok(head[0] as u64);
        }
        // A dead idle connection fails here, before anything is sent: safe to retry.
        let mut tx = client.transaction().map_err(Fail::Retry)?;
        let head = self.apply_group(&mut tx, statements, &[commit], at, false)?;
        Self::end(tx)?;
        Ok(head[0] as u64)
    }

    /// Several commits in one transaction; `None` (and nothing saved) when one of them fails
    /// its checks, so that the caller saves them one by one.
    pub(crate) fn commit_many_once(
        &self,
        conn: &mut Conn,
        commits: &[Commit],
        at: DateTime<Utc>,
    ) -> Result<Option<Vec<u64>>, Fail> {
        if let Some(apps) = app_updates(commits) {
            return self.commit_apps_at_once(conn, commits, &apps, at);
        }
        let (client, statements) = conn.parts();
        let mut tx = client.transaction().map_err(Fail::Retry)?;
        let mut heads = Vec::with_capacity(commits.len());
        // Groups of consecutive commits touching different targets, up to 32 writes, each
        // group one statement.
        let mut group: Vec<&Commit> = Vec::new();
        let mut keys = HashSet::new();
        let mut writes = 0;
        for (i, commit) in commits.iter().enumerate() {
            let targets: Vec<Target> = commit.writes.iter().map(|w| w.record.target()).collect();
            let fits = writes + targets.len() <= 32 && targets.iter().all(|t| !keys.contains(t));
            if !fits && !group.is_empty() {
                match self.apply_group(&mut tx, statements, &group, at, false) {
                    Ok(h) => heads.extend(h.into_iter().map(|h| h as u64)),
                    // The transaction rolls back when dropped.
                    Err(Fail::Final(Error::Conflict { .. })) => return Ok(None),
                    Err(other) => return Err(other),
                }
                group.clear();
                keys.clear();
                writes = 0;
            }
            writes += targets.len();
            keys.extend(targets);
            group.push(commit);
            if i + 1 == commits.len() {
                match self.apply_group(&mut tx, statements, &group, at, false) {
                    Ok(h) => heads.extend(h.into_iter().map(|h| h as u64)),
                    Err(Fail::Final(Error::Conflict { .. })) => return Ok(None),
                    Err(other) => return Err(other),
                }
            }
        }
        Self::end(tx)?;
        Ok(Some(heads))
    }

    /// Commits that each update one app and nothing else (a page of `tick`) in one statement
    /// outside a transaction block: the apps updated from arrays (one plan whatever their
    /// number), their due rows, claims and events as [`apply_group`](Self::apply_group) does;
    /// `None` (and nothing saved) when one of them is stale.
    fn commit_apps_at_once(
        &self,
        conn: &mut Conn,
        commits: &[Commit],
        apps: &[AppUpdate<'_>],
        at: DateTime<Utc>,
    ) -> Result<Option<Vec<u64>>, Fail> {
        let what = "saving commits";
        let n = apps.len();
        // In key order, so that hosts lock rows in the same order.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|a, b| apps[*a].0.id.as_str().cmp(apps[*b].0.id.as_str()));
        let (mut ids, mut expected, mut docs) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut customers, mut listed, mut statuses) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::new());
        let (mut deliveries, mut modes, mut names) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::new());
        let (mut touched, mut due_keys, mut due_at, mut not_due) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in order {
            let (app, version, due) = apps[i];
            ids.push(app.id.as_str());
            expected.push(i64::try_from(version).unwrap_or(i64::MAX));
            docs.push(
                serde_json::to_string(app)
                    .map_err(|e| Error::Storage { reason: format!("cannot serialize a record: {e}") })?,
            );
            let c = rows::app_columns(app);
            customers.push(c.customer);
            listed.push(c.listed);
            statuses.push(c.status);
            deliveries.push(c.delivery);
            modes.push(c.mode);
            names.push(c.name_lower);
            let key = target_key(&Target::App(app.id.clone()));
            match due {
                Some(due) => {
                    due_keys.push(key.clone());
                    due_at.push(nanos(due));
                }
                None => not_due.push(key.clone()),
            }
            touched.push(key);
        }
        let (event_targets, event_docs) = stored_events(commits.iter(), at)?;
        let count = n as i64;
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![
            &ids,
            &expected,
            &docs,
            &customers,
            &listed,
            &statuses,
            &deliveries,
            &modes,
            &names,
            &touched,
            &not_due,
            &due_keys,
            &due_at,
            &count,
        ];
        let head = if event_docs.is_empty() {
            "(SELECT seq FROM stream_head WHERE id = 1)"
        } else {
            params.extend([&event_targets as &(dyn ToSql + Sync), &event_docs, &self.channel]);
            "(SELECT seq FROM head), pg_notify($17, (SELECT seq FROM head)::text)"
        };
        let events = if event_docs.is_empty() {
            ""
        } else {
            ",
             head AS (UPDATE stream_head SET seq = seq + cardinality($15::text[]) WHERE id = 1 RETURNING seq),
             appended AS (INSERT INTO events (seq, target, doc)
                 SELECT head.seq - cardinality($15::text[]) + e.n, e.target, e.doc
                 FROM head, unnest($15::text[], $16::text[]) WITH ORDINALITY AS e(target, doc, n))"
        };
        let sql = format!(
            "WITH v AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bool[], $6::text[],
                                          $7::text[], $8::text[], $9::text[])
                        AS v(id, expected, doc, customer, listed, status, delivery, mode, name_lower)),
             w AS (UPDATE apps a SET version = a.version + 1, doc = v.doc, customer = v.customer, listed = v.listed,
                       status = v.status, delivery = v.delivery, mode = v.mode, name_lower = v.name_lower
                   FROM v WHERE a.id = v.id AND a.version = v.expected RETURNING 1),
             ended AS (DELETE FROM claims WHERE target = ANY($10::text[])),
             undue AS (DELETE FROM due WHERE target = ANY($11::text[])),
             due_set AS (INSERT INTO due (target, at) SELECT * FROM unnest($12::text[], $13::bigint[])
                         ON CONFLICT (target) DO UPDATE SET at = EXCLUDED.at, claimed_until = NULL){events}
             SELECT appmarket_check((SELECT count(*) FROM w) = $14, 'AM001', 'an app changed meanwhile'), {head}"
        );
        let fail = |e: postgres::Error| {
            Fail::Final(if is_connection_lost(&e) { unknown_outcome(&e) } else { to_error(what, &e) })
        };
        let s = conn.statement(&sql).map_err(|e| if is_connection_lost(&e) { Fail::Retry(e) } else { fail(e) })?;
        let row = match conn.client.query_one(&s, &params) {
            Ok(row) => row,
            Err(e) => {
                return match fail(e) {
                    Fail::Final(Error::Conflict { .. }) => Ok(None),
                    other => Err(other),
                };
            }
        };
        let mut head: i64 = row.get(1);
        let mut heads = vec![0; commits.len()];
        for (j, commit) in commits.iter().enumerate().rev() {
            heads[j] = head as u64;
            head -= commit.events.len() as i64;
        }
        Ok(Some(heads))
    }

    /// Commits a transaction; a connection lost at that moment leaves the outcome unknown.
    fn end(tx: postgres::Transaction<'_>) -> Result<(), Fail> {
        tx.commit().map_err(|e| {
            if is_connection_lost(&e) {
                Fail::Final(unknown_outcome(&e))
            } else {
                Fail::Final(to_error("saving a commit", &e))
            }
        })
    }

    /// Writes commits whose writes touch different targets in one statement (one round trip):
    /// a data-modifying CTE per write (writes sorted by key, so hosts lock rows in the same
    /// order), the due index and claims, passwords, the request records and the events
    /// (numbered in list order), then checks every write and request id with `appmarket_check`,
    /// which raises (and so undoes the whole statement) when one failed. Returns the stream head
    /// after each commit.
    ///
    /// With `alone` the statement is sent outside a transaction (it is atomic on its own): a
    /// connection lost while it runs leaves its outcome unknown. Otherwise it runs inside the
    /// transaction `tx`, and a group of more than [`CHUNK`] writes runs its earlier writes as
    /// statements of their own.
    fn apply_group(
        &self,
        tx: &mut impl postgres::GenericClient,
        statements: &mut HashMap<String, postgres::Statement>,
        commits: &[&Commit],
        at: DateTime<Utc>,
        alone: bool,
    ) -> Result<Vec<i64>, Fail> {
        use std::fmt::Write as _;
        let what = "saving a commit";
        let fail = |e: postgres::Error| {
            Fail::Final(if alone && is_connection_lost(&e) { unknown_outcome(&e) } else { to_error(what, &e) })
        };
        // Preparing runs nothing: a connection lost then may be replaced and the commit sent again.
        let prepare_fail = |e: postgres::Error| if is_connection_lost(&e) { Fail::Retry(e) } else { fail(e) };
        let mut writes: Vec<(String, &appmarket::store::Write)> =
            commits.iter().flat_map(|c| &c.writes).map(|w| (target_key(&w.record.target()), w)).collect();
        writes.sort_by(|a, b| a.0.cmp(&b.0));
        let mut rows = Vec::with_capacity(writes.len());
        let mut expected = Vec::with_capacity(writes.len());
        let mut messages = Vec::with_capacity(writes.len() + 1);
        let (mut touched, mut due_keys, mut due_at, mut not_due) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (key, w) in &writes {
            rows.push(row_of(&w.record)?);
            expected.push(i64::try_from(w.expected_version).unwrap_or(i64::MAX));
            messages.push(format!(
                "{} changed meanwhile (expected version {}): load it again and retry",
                w.record.target(),
                w.expected_version
            ));
            touched.push(key.clone());
            match w.due {
                Some(due) => {
                    due_keys.push(key.clone());
                    due_at.push(nanos(due));
                }
                None => not_due.push(key.clone()),
            }
        }
        // Passwords (sealed with the key, if any): the last one given for an app wins.
        let mut secrets: Vec<(&AppId, &Secret)> = Vec::new();
        for (app, secret) in commits.iter().flat_map(|c| &c.secrets) {
            secrets.retain(|(a, _)| *a != app);
            secrets.push((app, secret));
        }
        let (mut secret_apps, mut secret_plain, mut secret_sealed) = (Vec::new(), Vec::new(), Vec::new());
        for (app, secret) in secrets {
            let (plain, sealed) = secrets::columns(self.sealing.keep(app, secret)?);
            secret_apps.push(app.as_str());
            secret_plain.push(plain);
            secret_sealed.push(sealed);
        }
        let mut requests = Vec::new();
        for req in commits.iter().filter_map(|c| c.request.as_ref()) {
            let doc = serde_json::to_string(req)
                .map_err(|e| Error::Storage { reason: format!("cannot serialize a request record: {e}") })?;
            requests.push((
                actor_key(&req.actor),
                req.id.as_str().to_owned(),
                nanos(req.at),
                doc,
                format!("request id {} was used meanwhile", req.id),
            ));
        }
        let (event_targets, event_docs) = stored_events(commits.iter().copied(), at)?;

        // The placeholder of the parameter just pushed.
        fn next(params: &[&(dyn ToSql + Sync)], _what: &str) -> String {
            format!("${}", params.len())
        }
        // A write as a CTE and its check. A large commit (more than one chunk of writes) runs
        // its earlier chunks as statements of their own in the same transaction, so that a
        // statement stays within PostgreSQL's parameter limit and statement shapes stay few.
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
        let mut ctes: Vec<String> = Vec::new();
        let mut checks: Vec<String> = Vec::new();
        let chunks = rows.len().div_ceil(CHUNK).max(1);
        for (i, row) in rows.iter().enumerate() {
            let kind = &KINDS[row.rank];
            params.push(&row.id);
            let id = next(&params, "id");
            params.push(&row.doc);
            let doc = next(&params, "doc");
            let mut cols = Vec::with_capacity(row.columns.len());
            for c in &row.columns {
                params.push(c.as_ref() as &(dyn ToSql + Sync));
                cols.push(next(&params, "column"));
            }
            let t = kind.table;
            let w = ctes.len();
            let cte = if expected[i] == 0 {
                let names: String = kind.columns.iter().map(|c| format!(", {c}")).collect();
                let values: String = cols.iter().map(|v| format!(", {v}")).collect();
                format!(
                    "w{w} AS (INSERT INTO {t} (id, version, doc{names}) VALUES ({id}, 1, {doc}{values}) \
                     ON CONFLICT (id) DO NOTHING RETURNING 1)"
                )
            } else {
                params.push(&expected[i]);
                let version = next(&params, "version");
                let sets: String = kind.columns.iter().zip(&cols).map(|(c, v)| format!(", {c} = {v}")).collect();
                format!(
                    "w{w} AS (UPDATE {t} SET version = version + 1, doc = {doc}{sets} \
                     WHERE id = {id} AND version = {version} RETURNING 1)"
                )
            };
            ctes.push(cte);
            params.push(&messages[i]);
            let message = next(&params, "message");
            checks.push(format!("appmarket_check((SELECT count(*) FROM w{w}) = 1, 'AM001', {message})"));
            if (i + 1) % CHUNK == 0 && (i + 1) / CHUNK < chunks {
                let sql = format!("WITH {} SELECT {}", ctes.join(",\n "), checks.join(" AND "));
                let s = prepared(statements, tx, &sql).map_err(prepare_fail)?;
                tx.query_one(&s, &params).map_err(fail)?;
                params.clear();
                ctes.clear();
                checks.clear();
            }
        }
        if !touched.is_empty() {
            params.push(&touched);
            let touched = next(&params, "touched");
            params.push(&not_due);
            let not_due = next(&params, "not due");
            params.push(&due_keys);
            let keys = next(&params, "due keys");
            params.push(&due_at);
            let at = next(&params, "due at");
            ctes.push(format!("ended AS (DELETE FROM claims WHERE target = ANY({touched}::text[]))"));
            ctes.push(format!("undue AS (DELETE FROM due WHERE target = ANY({not_due}::text[]))"));
            ctes.push(format!(
                "due_set AS (INSERT INTO due (target, at) SELECT * FROM unnest({keys}::text[], {at}::bigint[]) \
                 ON CONFLICT (target) DO UPDATE SET at = EXCLUDED.at, claimed_until = NULL)"
            ));
        }
        if !secret_apps.is_empty() {
            params.push(&secret_apps);
            let apps = next(&params, "secret apps");
            params.push(&secret_plain);
            let plain = next(&params, "plain secrets");
            params.push(&secret_sealed);
            let sealed = next(&params, "sealed secrets");
            ctes.push(format!(
                "kept AS (INSERT INTO secrets (app, secret, sealed) \
                 SELECT * FROM unnest({apps}::text[], {plain}::text[], {sealed}::bytea[]) \
                 ON CONFLICT (app) DO UPDATE SET secret = EXCLUDED.secret, sealed = EXCLUDED.sealed)"
            ));
        }
        for (j, (actor, id, req_at, doc, message)) in requests.iter().enumerate() {
            let mut p = Vec::new();
            for v in [actor as &(dyn ToSql + Sync), id, req_at, doc] {
                params.push(v);
                p.push(next(&params, "request"));
            }
            ctes.push(format!(
                "req{j} AS (INSERT INTO requests (actor, id, at, doc) VALUES ({}, {}, {}, {}) \
                 ON CONFLICT (actor, id) DO NOTHING RETURNING 1)",
                p[0], p[1], p[2], p[3]
            ));
            params.push(message);
            let message = next(&params, "message");
            checks.push(format!("appmarket_check((SELECT count(*) FROM req{j}) = 1, 'AM002', {message})"));
        }
        // The stream head last: it is held until the transaction ends.
        let head = if event_docs.is_empty() {
            "(SELECT seq FROM stream_head WHERE id = 1)".to_owned()
        } else {
            params.push(&event_targets);
            let targets = next(&params, "event targets");
            params.push(&event_docs);
            let docs = next(&params, "events");
            params.push(&self.channel);
            let channel = next(&params, "channel");
            ctes.push(format!(
                "head AS (UPDATE stream_head SET seq = seq + cardinality({targets}::text[]) WHERE id = 1 RETURNING seq)"
            ));
            ctes.push(format!(
                "appended AS (INSERT INTO events (seq, target, doc) \
                 SELECT head.seq - cardinality({targets}::text[]) + e.n, e.target, e.doc \
                 FROM head, unnest({targets}::text[], {docs}::text[]) WITH ORDINALITY AS e(target, doc, n))"
            ));
            format!("(SELECT seq FROM head), pg_notify({channel}, (SELECT seq FROM head)::text)")
        };
        let mut sql = String::new();
        if !ctes.is_empty() {
            let _ = write!(sql, "WITH {} ", ctes.join(",\n "));
        }
        let checked = if checks.is_empty() { "true".to_owned() } else { checks.join(" AND ") };
        // The checks first (they run the writes), the stream head last.
        let _ = write!(sql, "SELECT {checked}, {head}");
        let s = prepared(statements, tx, &sql).map_err(prepare_fail)?;
        let row = tx.query_one(&s, &params).map_err(fail)?;
        let mut head: i64 = row.get(1);
        // The head after each commit: the final head less the events of the commits after it.
        let mut heads = vec![0; commits.len()];
        for (j, commit) in commits.iter().enumerate().rev() {
            heads[j] = head;
            head -= commit.events.len() as i64;
        }
        Ok(heads)
    }
}

/// An app to save: the app, the version it was loaded at and when it is next due.
type AppUpdate<'a> = (&'a PurchasedApp, u64, Option<DateTime<Utc>>);

/// The apps of commits that each update one app (at a version above 0) and nothing else, all
/// different, with their versions and due instants; `None` for any other list.
fn app_updates(commits: &[Commit]) -> Option<Vec<AppUpdate<'_>>> {
    let mut seen = HashSet::with_capacity(commits.len());
    let mut apps = Vec::with_capacity(commits.len());
    for c in commits {
        let ([w], None, true) = (c.writes.as_slice(), &c.request, c.secrets.is_empty()) else { return None };
        let Record::App(app) = &w.record else { return None };
        if w.expected_version == 0 || !seen.insert(app.id.as_str()) {
            return None;
        }
        apps.push((&**app, w.expected_version, w.due));
    }
    (!apps.is_empty()).then_some(apps)
}

/// Writes per statement of a commit: a commit of more runs as several statements in one
/// transaction, so that a statement stays within PostgreSQL's parameter limit and statement
/// shapes stay few.
const CHUNK: usize = 32;

/// A connection lost while a commit was being applied (or committed): it may or may not have
/// been saved.
fn unknown_outcome(e: &postgres::Error) -> Error {
    Error::Storage {
        reason: format!(
            "the connection to PostgreSQL broke while committing ({e}): the commit may or may not have been \
             applied; load the records again (or send the same request id again) before retrying"
        ),
    }
}
