//! The SQL of a group-commit batch, for both backends: four reads, then the writes of
//! [`plan`](super::batch_plan::plan) in a few multi-row statements. `sqlx`'s `QueryBuilder`
//! writes each database's placeholders, so the text is the same; the macro stamps it out for
//! each backend's types (`<backend>/batch.rs`), and the API suite runs on both.

/// `read` and `write` for the database `$db` and its connection type `$conn`.
macro_rules! batch_sql {
    ($db:ident, $conn:ident) => {
        /// Rows per multi-row statement: far below either database's limit on bound values.
        const ROWS_PER_STATEMENT: usize = 500;

        /// What [`plan`](crate::store::batch_plan::plan) needs to know about the batch.
        pub(super) async fn read(
            conn: &mut $conn,
            jobs: &[$crate::store::AppendJob],
        ) -> Result<$crate::store::batch_plan::BatchReads, $crate::store::StoreError> {
            use ::sqlx::Row as _;
            let mut reads = $crate::store::batch_plan::BatchReads::default();
            let ids: ::std::collections::HashSet<String> = jobs
                .iter()
                .map(|j| j.draft.receipt_id.to_string())
                .collect();
            let mut query = ::sqlx::QueryBuilder::<$db>::new(
                "SELECT receipt_id, sequence, receipt, request_sha256 FROM receipts WHERE receipt_id IN (",
            );
            let mut list = query.separated(", ");
            for id in &ids {
                list.push_bind(id.clone());
            }
            list.push_unseparated(")");
            for row in query.build().fetch_all(&mut *conn).await? {
                reads.existing.insert(
                    row.try_get("receipt_id")?,
                    $crate::store::batch_plan::Existing {
                        sequence: row.try_get("sequence")?,
                        receipt: row.try_get("receipt")?,
                        request_sha256: row.try_get("request_sha256")?,
                    },
                );
            }
            reads.last_sequence = sqlx::query_scalar("SELECT COALESCE(MAX(sequence), 0) FROM receipts")
                .fetch_one(&mut *conn)
                .await?;
            let subjects: ::std::collections::HashSet<&str> = jobs.iter().map(|j| j.draft.subject.as_str()).collect();
            let mut query = ::sqlx::QueryBuilder::<$db>::new(
                "SELECT r.subject, r.receipt_sha256 FROM receipts r JOIN (SELECT MAX(sequence) AS sequence \
                 FROM receipts WHERE subject IN (",
            );
            let mut list = query.separated(", ");
            for subject in &subjects {
                list.push_bind(subject.to_string());
            }
            list.push_unseparated(") GROUP BY subject) m ON r.sequence = m.sequence");
            for row in query.build().fetch_all(&mut *conn).await? {
                reads
                    .last_hash
                    .insert(row.try_get("subject")?, row.try_get("receipt_sha256")?);
            }
            let sealing: ::std::collections::HashSet<&str> = jobs
                .iter()
                .filter(|j| j.seal.is_some())
                .map(|j| j.draft.subject.as_str())
                .collect();
            if !sealing.is_empty() {
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "SELECT subject, key_id, wrapped_key FROM subject_vaults WHERE subject IN (",
                );
                let mut list = query.separated(", ");
                for subject in &sealing {
                    list.push_bind(subject.to_string());
                }
                list.push_unseparated(")");
                for row in query.build().fetch_all(&mut *conn).await? {
                    reads.vault_keys.insert(
                        row.try_get("subject")?,
                        $crate::store::StoredVaultKey {
                            key_id: row.try_get("key_id")?,
                            wrapped: row.try_get("wrapped_key")?,
                        },
                    );
                }
            }
            Ok(reads)
        }

        /// Writes what the plan decided.
        pub(super) async fn write(
            conn: &mut $conn,
            writes: &$crate::store::batch_plan::BatchWrites<'_>,
        ) -> Result<(), $crate::store::StoreError> {
            for (subject, key, created_at) in &writes.vault_keys {
                // Under the append lock (or BEGIN IMMEDIATE) no one else made the subject a vault; a
                // conflict is a bug and fails the batch.
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO subject_vaults (subject, key_id, wrapped_key, created_at) ",
                );
                query.push_values([(subject, key, created_at)], |mut values, (subject, key, at)| {
                    values
                        .push_bind(subject.to_string())
                        .push_bind(key.key_id.clone())
                        .push_bind(key.wrapped.clone())
                        .push_bind(*at);
                });
                query.build().execute(&mut *conn).await?;
            }
            for rows in writes.receipts.chunks(ROWS_PER_STATEMENT) {
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO receipts (sequence, receipt_id, site, subject, request_sha256, receipt, \
                     receipt_sha256, prev_receipt_sha256, policy_version, collection_method, \
                     consent_timestamp, issued_at) ",
                );
                query.push_values(rows, |mut values, row| {
                    let draft = row.draft;
                    values
                        .push_bind(row.sequence)
                        .push_bind(draft.receipt_id.to_string())
                        .push_bind(draft.site.as_str().to_owned())
                        .push_bind(draft.subject.clone())
                        .push_bind(draft.request_sha256.clone())
                        .push_bind(row.receipt.clone())
                        .push_bind(row.receipt_sha256.clone())
                        .push_bind(row.prev_receipt_sha256.clone())
                        .push_bind(i64::from(draft.policy_version))
                        .push_bind(draft.collection_method.clone())
                        .push_bind(draft.consent_timestamp)
                        .push_bind(draft.issued_at);
                });
                query.build().execute(&mut *conn).await?;
            }
            for rows in writes.identifiers.chunks(ROWS_PER_STATEMENT) {
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO subject_identifiers (subject, commitment, kind, lookup, sealed, \
                     receipt_sequence) ",
                );
                query.push_values(rows, |mut values, (subject, identifier, sequence)| {
                    values
                        .push_bind(subject.to_string())
                        .push_bind(identifier.commitment.clone())
                        .push_bind(identifier.kind.clone())
                        .push_bind(identifier.lookup.clone())
                        .push_bind(identifier.sealed.clone())
                        .push_bind(*sequence);
                });
                // An identifier the subject's vault already holds is kept as first written.
                query.push(" ON CONFLICT (subject, commitment) DO NOTHING");
                query.build().execute(&mut *conn).await?;
            }
            for rows in writes.states.chunks(ROWS_PER_STATEMENT) {
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO consent_state (site, subject, purpose, decision, consent_timestamp, \
                     receipt_sequence, decided_at) ",
                );
                query.push_values(rows, |mut values, row| {
                    values
                        .push_bind(row.draft.site.as_str().to_owned())
                        .push_bind(row.draft.subject.clone())
                        .push_bind(row.purpose.to_owned())
                        .push_bind(row.decision)
                        .push_bind(row.draft.consent_timestamp)
                        .push_bind(row.sequence)
                        .push_bind(row.draft.decided_at);
                });
                // The decision that took effect last stands: one delivered late (offline queue) does
                // not overwrite a later one, and a clock ahead cannot outrank what follows.
                query.push(
                    " ON CONFLICT (site, subject, purpose) DO UPDATE SET decision = excluded.decision, \
                     consent_timestamp = excluded.consent_timestamp, \
                     receipt_sequence = excluded.receipt_sequence, decided_at = excluded.decided_at \
                     WHERE excluded.decided_at >= consent_state.decided_at",
                );
                query.build().execute(&mut *conn).await?;
            }
            Ok(())
        }
    };
}

pub(crate) use batch_sql;
