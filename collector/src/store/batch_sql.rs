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
            reads.webhook_sites = ::sqlx::query_scalar::<_, String>(
                "SELECT DISTINCT site FROM webhooks WHERE removed_at IS NULL",
            )
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
            // The contacts that the batch's identifiers already belong to.
            let lookups: ::std::collections::HashSet<&str> = jobs
                .iter()
                .flat_map(|j| j.contacts.iter().map(|c| c.lookup.as_str()))
                .collect();
            if !lookups.is_empty() {
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "SELECT lookup, person_id FROM contact_identifiers WHERE lookup IN (",
                );
                let mut list = query.separated(", ");
                for lookup in &lookups {
                    list.push_bind(lookup.to_string());
                }
                list.push_unseparated(")");
                for row in query.build().fetch_all(&mut *conn).await? {
                    reads.contacts.insert(row.try_get("lookup")?, row.try_get("person_id")?);
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
                     receipt_sequence, decided_at, expires_at) ",
                );
                query.push_values(rows, |mut values, row| {
                    values
                        .push_bind(row.draft.site.as_str().to_owned())
                        .push_bind(row.draft.subject.clone())
                        .push_bind(row.purpose.to_owned())
                        .push_bind(row.decision)
                        .push_bind(row.draft.consent_timestamp)
                        .push_bind(row.sequence)
                        .push_bind(row.draft.decided_at)
                        .push_bind(row.expires_at);
                });
                // The decision that took effect last stands: one delivered late (offline queue) does
                // not overwrite a later one, and a clock ahead cannot outrank what follows.
                query.push(
                    " ON CONFLICT (site, subject, purpose) DO UPDATE SET decision = excluded.decision, \
                     consent_timestamp = excluded.consent_timestamp, \
                     receipt_sequence = excluded.receipt_sequence, decided_at = excluded.decided_at, \
                     expires_at = excluded.expires_at WHERE excluded.decided_at >= consent_state.decided_at",
                );
                query.build().execute(&mut *conn).await?;
            }
            write_contacts(conn, writes).await?;
            write_webhook_events(conn, writes).await?;
            for rows in writes.daily.iter().collect::<Vec<_>>().chunks(ROWS_PER_STATEMENT) {
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO consent_daily (site, purpose, day, granted, denied, withdrawn) ",
                );
                query.push_values(rows, |mut values, ((site, purpose, day), counts)| {
                    values
                        .push_bind(site.clone())
                        .push_bind(purpose.clone())
                        .push_bind(day.clone())
                        .push_bind(counts[0])
                        .push_bind(counts[1])
                        .push_bind(counts[2]);
                });
                query.push(
                    " ON CONFLICT (site, purpose, day) DO UPDATE SET \
                     granted = consent_daily.granted + excluded.granted, \
                     denied = consent_daily.denied + excluded.denied, \
                     withdrawn = consent_daily.withdrawn + excluded.withdrawn",
                );
                query.build().execute(&mut *conn).await?;
            }
            Ok(())
        }

        /// New contacts with their identifiers and history, the subjects' links to contacts, and
        /// the state of every contact a subject of the batch belongs to.
        async fn write_contacts(
            conn: &mut $conn,
            writes: &$crate::store::batch_plan::BatchWrites<'_>,
        ) -> Result<(), $crate::store::StoreError> {
            for rows in writes.contacts.chunks(ROWS_PER_STATEMENT) {
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO contacts (person_id, created_at, updated_at, basis, consent_date, \
                     consent_purpose, source, key_id, wrapped_key) ",
                );
                query.push_values(rows, |mut values, contact| {
                    let basis = contact.granted_purpose.map(|_| "consent");
                    let date = contact
                        .granted_purpose
                        .map(|_| $crate::store::batch_plan::utc_day(contact.decided_at));
                    values
                        .push_bind(contact.prepared.person_id.clone())
                        .push_bind(contact.created_at)
                        .push_bind(contact.created_at)
                        .push_bind(basis)
                        .push_bind(date)
                        .push_bind(contact.granted_purpose.map(str::to_owned))
                        .push_bind(contact.source)
                        .push_bind(contact.prepared.key.key_id.clone())
                        .push_bind(contact.prepared.key.wrapped.clone());
                });
                query.build().execute(&mut *conn).await?;
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO contact_identifiers (lookup, person_id, kind, sealed) ",
                );
                query.push_values(rows, |mut values, contact| {
                    values
                        .push_bind(contact.prepared.lookup.clone())
                        .push_bind(contact.prepared.person_id.clone())
                        .push_bind(contact.prepared.kind.clone())
                        .push_bind(contact.prepared.sealed.clone());
                });
                query.build().execute(&mut *conn).await?;
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO contact_history (person_id, at, actor, action, detail) ",
                );
                query.push_values(rows, |mut values, contact| {
                    let detail = ::serde_json::json!({
                        "source": contact.source,
                        "basis": contact.granted_purpose.map(|_| "consent"),
                        "consentPurpose": contact.granted_purpose,
                        "receiptSequence": contact.sequence,
                    });
                    values
                        .push_bind(contact.prepared.person_id.clone())
                        .push_bind(contact.created_at)
                        .push_bind(contact.source)
                        .push_bind("created")
                        .push_bind(detail.to_string());
                });
                query.build().execute(&mut *conn).await?;
            }
            // A person erased earlier who opts in again themselves is no longer suppressed; an
            // opt-in still to be confirmed from the mailbox lifts it only when confirmed (anyone
            // can type an address into a form).
            let lifted: Vec<&str> = writes
                .contacts
                .iter()
                .filter(|c| !writes.confirmations.iter().any(|p| p.sequence == c.sequence))
                .map(|c| c.prepared.lookup.as_str())
                .collect();
            for rows in lifted.chunks(ROWS_PER_STATEMENT) {
                let mut query =
                    ::sqlx::QueryBuilder::<$db>::new("DELETE FROM suppressions WHERE lookup IN (");
                let mut list = query.separated(", ");
                for lookup in rows {
                    list.push_bind(lookup.to_string());
                }
                list.push_unseparated(")");
                query.build().execute(&mut *conn).await?;
            }
            for rows in writes.links.chunks(ROWS_PER_STATEMENT) {
                let mut query =
                    ::sqlx::QueryBuilder::<$db>::new("INSERT INTO contact_subjects (subject, person_id) ");
                query.push_values(rows, |mut values, (subject, person_id)| {
                    values.push_bind(subject.to_string()).push_bind(person_id.clone());
                });
                query.push(" ON CONFLICT (person_id, subject) DO NOTHING");
                query.build().execute(&mut *conn).await?;
            }
            write_confirmations(conn, writes).await?;
            // A contact held for not engaging engages again with any new receipt on the site:
            // one statement a batch, the (site, subject) pairs as a VALUES list (its columns are
            // column1 and column2 on both databases).
            for rows in writes.receipts.chunks(ROWS_PER_STATEMENT) {
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "DELETE FROM contact_holds WHERE reason = 'inactive' AND EXISTS (SELECT 1 \
                     FROM contact_subjects cs JOIN (VALUES ",
                );
                let mut list = query.separated(", ");
                // An import's receipts are the operator's, not the person engaging.
                let engaged: Vec<_> = rows
                    .iter()
                    .filter(|row| row.draft.collection_method != "import")
                    .collect();
                if engaged.is_empty() {
                    continue;
                }
                for row in engaged {
                    list.push("(")
                        .push_bind_unseparated(row.draft.site.as_str().to_owned())
                        .push_unseparated(", ")
                        .push_bind_unseparated(row.draft.subject.clone())
                        .push_unseparated(")");
                }
                query.push(
                    ") AS b ON cs.subject = b.column2 WHERE cs.person_id = contact_holds.person_id \
                     AND b.column1 = contact_holds.site)",
                );
                query.build().execute(&mut *conn).await?;
            }
            // An objection (Art 21) ends with the person's own new consent to its purpose: a
            // grant they gave on the banner, a form (once confirmed, when it must be), the
            // preference centre or a confirmation link. Nothing the operator sends (an import,
            // the API, a CRM) lifts it. An objection to every purpose is lifted by the DPO only.
            let consented: Vec<_> = writes
                .states
                .iter()
                .filter(|row| row.decision == "granted")
                .filter(|row| {
                    matches!(
                        row.draft.collection_method.as_str(),
                        "banner" | "settings" | "form" | "preference-centre" | "double-opt-in"
                            | "guardian"
                    )
                })
                // A grant still to be confirmed (by the person or a guardian) lifts nothing yet.
                .filter(|row| {
                    !writes
                        .confirmations
                        .iter()
                        .any(|p| p.sequence == row.sequence && p.pending.purpose == row.purpose)
                })
                .collect();
            for rows in consented.chunks(ROWS_PER_STATEMENT) {
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "DELETE FROM contact_holds WHERE reason = 'objected' AND EXISTS (SELECT 1 \
                     FROM contact_subjects cs JOIN (VALUES ",
                );
                let mut list = query.separated(", ");
                for row in rows {
                    list.push("(")
                        .push_bind_unseparated(row.draft.site.as_str().to_owned())
                        .push_unseparated(", ")
                        .push_bind_unseparated(row.draft.subject.clone())
                        .push_unseparated(", ")
                        .push_bind_unseparated(row.purpose.to_owned())
                        .push_unseparated(")");
                }
                query.push(
                    ") AS b ON cs.subject = b.column2 WHERE cs.person_id = contact_holds.person_id \
                     AND b.column1 = contact_holds.site AND b.column3 = contact_holds.purpose)",
                );
                query.build().execute(&mut *conn).await?;
            }
            for subjects in writes.subjects.chunks(ROWS_PER_STATEMENT) {
                // Every contact of the batch's subjects, brought up to date.
                let mut query =
                    ::sqlx::QueryBuilder::<$db>::new($crate::store::contacts_sql::REFRESH_STATE_HEAD);
                query.push("cs.person_id IN (SELECT person_id FROM contact_subjects WHERE subject IN (");
                let mut list = query.separated(", ");
                for subject in subjects {
                    list.push_bind(subject.to_string());
                }
                list.push_unseparated("))");
                query.push($crate::store::contacts_sql::REFRESH_STATE_TAIL);
                query.build().execute(&mut *conn).await?;
            }
            Ok(())
        }

        /// A delivery per webhook receiver of the receipt's site and contact of its subject, for
        /// every new receipt but those a CRM reported itself (they would only echo back).
        async fn write_webhook_events(
            conn: &mut $conn,
            writes: &$crate::store::batch_plan::BatchWrites<'_>,
        ) -> Result<(), $crate::store::StoreError> {
            if writes.webhook_sites.is_empty() {
                return Ok(());
            }
            for row in &writes.receipts {
                let draft = row.draft;
                if !writes.webhook_sites.contains(draft.site.as_str())
                    || draft.collection_method == "crm-sync"
                {
                    continue;
                }
                let event = draft.receipt_id.to_string();
                let kind = match draft.collection_method.as_str() {
                    "unsubscribe" => "unsubscribe",
                    _ => "consent.changed",
                };
                // A grant still waiting for its confirmation from the mailbox is told as
                // `pending`: the receiver must not act on it (the confirmation's own event
                // follows with `granted`).
                let mut decisions = ::serde_json::to_value(&draft.decisions).unwrap_or_default();
                for confirmation in writes
                    .confirmations
                    .iter()
                    .filter(|c| c.draft.receipt_id == draft.receipt_id)
                {
                    decisions[confirmation.pending.purpose.as_str()] = "pending".into();
                }
                let payload = ::serde_json::json!({
                    "eventId": event, "type": kind, "site": draft.site.as_str(),
                    "collectionMethod": draft.collection_method, "decisions": decisions,
                    "at": draft.decided_at, "receiptId": event, "sequence": row.sequence,
                });
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO webhook_deliveries (id, webhook_id, event_id, person_id, payload, \
                     state, created_at, due_at) SELECT w.id || ':' || ",
                );
                query
                    .push_bind(event.clone())
                    .push(", w.id, ")
                    .push_bind(event.clone())
                    .push(", cs.person_id, ")
                    .push_bind(payload.to_string())
                    .push(", 'queued', ")
                    .push_bind(draft.issued_at)
                    .push(", ")
                    .push_bind(draft.issued_at)
                    .push(" FROM webhooks w JOIN contact_subjects cs ON cs.subject = ")
                    .push_bind(draft.subject.clone())
                    .push(" WHERE w.site = ")
                    .push_bind(draft.site.as_str().to_owned())
                    .push(" AND w.removed_at IS NULL ON CONFLICT (webhook_id, event_id) DO NOTHING");
                query.build().execute(&mut *conn).await?;
            }
            Ok(())
        }

        /// The double opt-ins the batch starts: the hold (one per contact, site and purpose),
        /// the history entry, and a new confirmation with its mail in the outbox.
        async fn write_confirmations(
            conn: &mut $conn,
            writes: &$crate::store::batch_plan::BatchWrites<'_>,
        ) -> Result<(), $crate::store::StoreError> {
            for row in &writes.confirmations {
                let (site, purpose) = (row.draft.site.as_str().to_owned(), row.pending.purpose.clone());
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO contact_holds (person_id, site, purpose, reason, since) SELECT ",
                );
                query
                    .push_bind(row.person_id.clone())
                    .push(", ")
                    .push_bind(site.clone())
                    .push(", ")
                    .push_bind(purpose.clone())
                    .push(", 'pending', ")
                    .push_bind(row.draft.issued_at)
                    .push(" WHERE NOT EXISTS (SELECT 1 FROM contact_holds WHERE person_id = ")
                    .push_bind(row.person_id.clone())
                    .push(" AND site = ")
                    .push_bind(site.clone())
                    .push(" AND purpose = ")
                    .push_bind(purpose.clone())
                    .push(" AND reason = 'pending')");
                query.build().execute(&mut *conn).await?;
                // The grant is the device's, and every contact linked to the device shares its
                // decisions: another contact who had not granted the purpose (one who withdrew,
                // say, on a shared browser) is held too, until it confirms from its own
                // mailbox. This runs before the contacts' state is brought up to date, so it
                // reads the state before this receipt.
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO contact_holds (person_id, site, purpose, reason, since) \
                     SELECT cs.person_id, ",
                );
                query
                    .push_bind(site.clone())
                    .push(", ")
                    .push_bind(purpose.clone())
                    .push(", 'pending', ")
                    .push_bind(row.draft.issued_at)
                    .push(" FROM contact_subjects cs WHERE cs.subject = ")
                    .push_bind(row.draft.subject.clone())
                    .push(" AND cs.person_id <> ")
                    .push_bind(row.person_id.clone())
                    .push(" AND NOT EXISTS (SELECT 1 FROM contact_consent_state s WHERE s.person_id = cs.person_id AND s.site = ")
                    .push_bind(site.clone())
                    .push(" AND s.purpose = ")
                    .push_bind(purpose.clone())
                    .push(" AND s.decision = 'granted' AND (s.expires_at IS NULL OR s.expires_at > ")
                    .push_bind(row.draft.issued_at)
                    .push(")) AND NOT EXISTS (SELECT 1 FROM contact_holds h WHERE h.person_id = cs.person_id AND h.site = ")
                    .push_bind(site.clone())
                    .push(" AND h.purpose = ")
                    .push_bind(purpose.clone())
                    .push(" AND h.reason = 'pending')");
                query.build().execute(&mut *conn).await?;
                let detail = ::serde_json::json!({
                    "site": site, "purpose": purpose, "receiptSequence": row.sequence,
                    "mailed": row.pending.new.is_some(),
                    "guardian": row.pending.guardian.is_some(),
                });
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO contact_history (person_id, at, actor, action, detail) ",
                );
                query.push_values([row], |mut values, row| {
                    values
                        .push_bind(row.person_id.clone())
                        .push_bind(row.draft.issued_at)
                        .push_bind("form")
                        .push_bind("optin.pending")
                        .push_bind(detail.to_string());
                });
                query.build().execute(&mut *conn).await?;
                let Some(new) = &row.pending.new else {
                    continue;
                };
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO optin_confirmations (id, person_id, site, purpose, form_receipt, \
                     language, state, created_at, expires_at, guardian_key_id, guardian_sealed) ",
                );
                query.push_values([row], |mut values, row| {
                    values
                        .push_bind(new.id.clone())
                        .push_bind(row.person_id.clone())
                        .push_bind(site.clone())
                        .push_bind(purpose.clone())
                        .push_bind(row.draft.receipt_id.to_string())
                        .push_bind(row.pending.language.clone())
                        .push_bind("pending")
                        .push_bind(row.draft.issued_at)
                        .push_bind(new.expires_at)
                        .push_bind(row.pending.guardian.as_ref().map(|g| g.key_id.clone()))
                        .push_bind(row.pending.guardian.as_ref().map(|g| g.wrapped.clone()));
                });
                query.build().execute(&mut *conn).await?;
                let mut query = ::sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO mail_outbox (id, site, person_id, kind, reference, language, state, \
                     created_at, due_at) ",
                );
                query.push_values([row], |mut values, row| {
                    values
                        .push_bind(new.mail_id.clone())
                        .push_bind(site.clone())
                        .push_bind(row.person_id.clone())
                        .push_bind("confirmation")
                        .push_bind(new.id.clone())
                        .push_bind(row.pending.language.clone())
                        .push_bind("queued")
                        .push_bind(row.draft.issued_at)
                        .push_bind(row.draft.issued_at);
                });
                query.build().execute(&mut *conn).await?;
            }
            Ok(())
        }
    };
}

pub(crate) use batch_sql;
