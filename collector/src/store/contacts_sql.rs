//! The SQL of [`ContactStore`](super::contacts::ContactStore), for both backends: `QueryBuilder`
//! writes each database's placeholders, so one text serves both, stamped out per backend in
//! `<backend>/contacts.rs` (as `batch_sql.rs` is). The marketer's selection is built in one
//! place, [`push_selection`]: every state a later feature adds plugs into it.

/// The columns of a contact row, prefixed `c.`.
pub const CONTACT_COLUMNS: &str = "c.person_id, c.created_at, c.updated_at, c.basis, \
     c.basis_other, c.consent_date, c.consent_purpose, c.source, c.source_other, c.key_id, \
     c.wrapped_key, c.profile";

/// A hold on the contact of the row `s` (a `contact_consent_state`): a restriction, an
/// objection or a pending confirmation, for all sites or this one, all purposes or this one.
pub const HOLD_EXISTS: &str = "EXISTS (SELECT 1 FROM contact_holds h \
     WHERE h.person_id = s.person_id AND (h.site IS NULL OR h.site = s.site) \
     AND (h.purpose IS NULL OR h.purpose = s.purpose))";

/// Brings contacts' state up to date with their subjects' current state: per contact, site and
/// purpose, the decision that took effect last (ties: the later receipt). The window picks one
/// row per key (an upsert may not touch a row twice), and the condition keeps a later decision
/// already there. Between the two halves goes the condition on `cs` (contact_subjects) that
/// says which contacts.
pub const REFRESH_STATE_HEAD: &str = "INSERT INTO contact_consent_state (person_id, site, \
     purpose, decision, decided_at, expires_at, receipt_sequence) \
     SELECT person_id, site, purpose, decision, decided_at, expires_at, receipt_sequence \
     FROM (SELECT cs.person_id, s.site, s.purpose, s.decision, s.decided_at, s.expires_at, \
     s.receipt_sequence, ROW_NUMBER() OVER (PARTITION BY cs.person_id, s.site, s.purpose \
     ORDER BY s.decided_at DESC, s.receipt_sequence DESC) AS rank \
     FROM consent_state s JOIN contact_subjects cs ON cs.subject = s.subject WHERE ";

/// The second half of [`REFRESH_STATE_HEAD`].
pub const REFRESH_STATE_TAIL: &str = ") latest WHERE rank = 1 \
     ON CONFLICT (person_id, site, purpose) DO UPDATE SET decision = excluded.decision, \
     decided_at = excluded.decided_at, expires_at = excluded.expires_at, \
     receipt_sequence = excluded.receipt_sequence \
     WHERE excluded.decided_at > contact_consent_state.decided_at \
     OR (excluded.decided_at = contact_consent_state.decided_at \
     AND excluded.receipt_sequence >= contact_consent_state.receipt_sequence)";

/// `impl ContactStore for $store`, on database `$db`; `$store` has `pool` and `begin_write()`.
macro_rules! contacts_sql {
    ($store:ty, $db:ident) => {
        use ::async_trait::async_trait;
        use ::sqlx::{QueryBuilder, Row as _};

        use $crate::store::contacts::{
            ContactBatches, ContactHistoryEntry, ContactReceipt, ContactStore, STREAM_BATCH, ContactWrite, DailyCount,
            DeletedContact, ImportRecord, ISSUED_SUBJECT_PREFIX, SelectedContact, Selection, SelectionState, StateCount,
            StoredCard, StoredContact, StoredContactIdentifier, StoredContactState,
            UnadoptedIdentifier,
        };
        use $crate::store::contacts_sql::{CONTACT_COLUMNS, HOLD_EXISTS};
        use $crate::store::{StoreError, StoredVaultKey};

        type Builder = QueryBuilder<$db>;
        /// Rows per multi-row statement: far below either database's limit on bound values.
        const ROWS: usize = 400;
        type DbRow = <$db as ::sqlx::Database>::Row;

        /// `FROM … WHERE …` of a selection, over `contact_consent_state s JOIN contacts c`.
        fn push_selection(query: &mut Builder, selection: &Selection, with_contacts: bool) {
            push_selection_joined(query, selection, with_contacts, false);
        }

        /// [`push_selection`], with each of the contact's identifiers (`i`) as a row of its own
        /// when `with_identifiers`.
        fn push_selection_joined(
            query: &mut Builder,
            selection: &Selection,
            with_contacts: bool,
            with_identifiers: bool,
        ) {
            // A count without card filters reads the state table's index alone.
            let join = with_contacts || selection.basis.is_some() || selection.source.is_some();
            query.push(" FROM contact_consent_state s");
            if join {
                query.push(" JOIN contacts c ON c.person_id = s.person_id");
            }
            if with_identifiers {
                query.push(" LEFT JOIN contact_identifiers i ON i.person_id = s.person_id");
            }
            query
                .push(" WHERE s.site = ")
                .push_bind(selection.site.clone())
                .push(" AND s.purpose = ")
                .push_bind(selection.purpose.clone());
            let live = |query: &mut Builder| {
                query
                    .push(" AND s.decision = 'granted' AND (s.expires_at IS NULL OR s.expires_at > ")
                    .push_bind(selection.now)
                    .push(")");
            };
            match selection.state {
                SelectionState::Granted => {
                    live(query);
                    query.push(" AND NOT ").push(HOLD_EXISTS);
                }
                SelectionState::Held => {
                    live(query);
                    query.push(" AND ").push(HOLD_EXISTS);
                }
                SelectionState::Expired => {
                    query
                        .push(" AND s.decision = 'granted' AND s.expires_at <= ")
                        .push_bind(selection.now);
                }
                SelectionState::Denied => {
                    query.push(" AND s.decision = 'denied'");
                }
                SelectionState::Withdrawn => {
                    query.push(" AND s.decision = 'withdrawn'");
                }
            }
            if let Some(basis) = &selection.basis {
                query.push(" AND c.basis = ").push_bind(basis.clone());
            }
            if let Some(source) = &selection.source {
                query.push(" AND c.source = ").push_bind(source.clone());
            }
            if let Some(lookup) = &selection.lookup {
                query
                    .push(" AND s.person_id IN (SELECT person_id FROM contact_identifiers WHERE lookup = ")
                    .push_bind(lookup.clone())
                    .push(")");
            }
        }

        /// A selection counted by walking its index: what the tallies cannot answer (card
        /// filters), and what tests hold the tallies to.
        pub(crate) async fn count_by_index(
            pool: &::sqlx::Pool<$db>,
            selection: &Selection,
        ) -> Result<i64, StoreError> {
            let mut query = Builder::new("SELECT COUNT(*)");
            push_selection(&mut query, selection, false);
            Ok(query.build_query_scalar().fetch_one(pool).await?)
        }

        $crate::store::state_counts_sql::state_counts_sql!($db);

        fn contact_row(row: &DbRow) -> Result<StoredContact, StoreError> {
            Ok(StoredContact {
                person_id: row.try_get("person_id")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
                card: StoredCard {
                    basis: row.try_get("basis")?,
                    basis_other: row.try_get("basis_other")?,
                    consent_date: row.try_get("consent_date")?,
                    consent_purpose: row.try_get("consent_purpose")?,
                    source: row.try_get("source")?,
                    source_other: row.try_get("source_other")?,
                },
                key: StoredVaultKey {
                    key_id: row.try_get("key_id")?,
                    wrapped: row.try_get("wrapped_key")?,
                },
                profile: row.try_get("profile")?,
                identifiers: Vec::new(),
            })
        }

        fn state_row(row: &DbRow) -> Result<StoredContactState, StoreError> {
            Ok(StoredContactState {
                site: row.try_get("site")?,
                purpose: row.try_get("purpose")?,
                decision: row.try_get("decision")?,
                decided_at: row.try_get("decided_at")?,
                expires_at: row.try_get("expires_at")?,
                receipt_sequence: row.try_get("receipt_sequence")?,
            })
        }

        /// Fills in the identifiers of `contacts`, in one query.
        async fn with_identifiers<'c, E>(
            executor: E,
            contacts: &mut [StoredContact],
        ) -> Result<(), StoreError>
        where
            E: ::sqlx::Executor<'c, Database = $db>,
        {
            if contacts.is_empty() {
                return Ok(());
            }
            let mut query =
                Builder::new("SELECT person_id, kind, lookup, sealed FROM contact_identifiers WHERE person_id IN (");
            let mut list = query.separated(", ");
            for contact in contacts.iter() {
                list.push_bind(contact.person_id.clone());
            }
            query.push(") ORDER BY kind");
            let mut by_person: ::std::collections::HashMap<String, Vec<StoredContactIdentifier>> =
                ::std::collections::HashMap::new();
            for row in query.build().fetch_all(executor).await? {
                by_person
                    .entry(row.try_get("person_id")?)
                    .or_default()
                    .push(StoredContactIdentifier {
                        kind: row.try_get("kind")?,
                        lookup: row.try_get("lookup")?,
                        sealed: row.try_get("sealed")?,
                    });
            }
            for contact in contacts.iter_mut() {
                contact.identifiers = by_person.remove(&contact.person_id).unwrap_or_default();
            }
            Ok(())
        }

        /// Brings a contact's state up to date with its subjects' current state: per site and
        /// purpose, the decision that took effect last (ties: the later receipt).
        async fn refresh_state(
            conn: &mut <$db as ::sqlx::Database>::Connection,
            person_ids: &[String],
        ) -> Result<(), StoreError> {
            let mut query = Builder::new($crate::store::contacts_sql::REFRESH_STATE_HEAD);
            query.push("cs.person_id IN (");
            let mut list = query.separated(", ");
            for id in person_ids {
                list.push_bind(id.clone());
            }
            query.push(")").push($crate::store::contacts_sql::REFRESH_STATE_TAIL);
            query.build().execute(&mut *conn).await?;
            Ok(())
        }

        /// Writes `changes` grouped by kind, in an order that keeps each contact's writes
        /// sound (made, changed, identified, linked, then its history), in a few multi-row
        /// statements: an import writes thousands of contacts at once, and a statement a
        /// change was most of its time.
        async fn write_all(
            conn: &mut <$db as ::sqlx::Database>::Connection,
            changes: &[ContactWrite],
        ) -> Result<(), StoreError> {
            let mut created = ::std::collections::HashSet::new();
            let mut creates = Vec::new();
            let mut touches: ::std::collections::BTreeMap<i64, Vec<&String>> = Default::default();
            let mut singles = Vec::new();
            let mut identifiers = Vec::new();
            let mut links = Vec::new();
            let mut histories = Vec::new();
            for change in changes {
                match change {
                    ContactWrite::Create { person_id, .. } => {
                        created.insert(person_id.as_str());
                        creates.push(change);
                    }
                    ContactWrite::Touch { person_id, at } => {
                        touches.entry(*at).or_default().push(person_id);
                    }
                    ContactWrite::SetCard { .. } | ContactWrite::SetProfile { .. } => {
                        singles.push(change);
                    }
                    ContactWrite::SetIdentifier { person_id, identifier } => {
                        identifiers.push((person_id, identifier));
                    }
                    ContactWrite::Link { person_id, subject } => links.push((person_id, subject)),
                    ContactWrite::History { person_id, entry } => histories.push((person_id, entry)),
                }
            }
            for rows in creates.chunks(ROWS) {
                let mut query = Builder::new(
                    "INSERT INTO contacts (person_id, created_at, updated_at, basis, basis_other, \
                     consent_date, consent_purpose, source, source_other, key_id, wrapped_key, \
                     profile) ",
                );
                query.push_values(rows, |mut values, change| {
                    if let ContactWrite::Create { person_id, key, card, at, profile } = change {
                        values
                            .push_bind(person_id.clone())
                            .push_bind(*at)
                            .push_bind(*at)
                            .push_bind(card.basis.clone())
                            .push_bind(card.basis_other.clone())
                            .push_bind(card.consent_date.clone())
                            .push_bind(card.consent_purpose.clone())
                            .push_bind(card.source.clone())
                            .push_bind(card.source_other.clone())
                            .push_bind(key.key_id.clone())
                            .push_bind(key.wrapped.clone())
                            .push_bind(profile.clone());
                    }
                });
                query.build().execute(&mut *conn).await?;
            }
            for (at, ids) in &touches {
                let mut distinct: Vec<&String> = ids.clone();
                distinct.sort();
                distinct.dedup();
                for chunk in distinct.chunks(ROWS) {
                    let mut query = Builder::new("UPDATE contacts SET updated_at = ");
                    query.push_bind(*at).push(" WHERE person_id IN (");
                    let mut list = query.separated(", ");
                    for id in chunk {
                        list.push_bind((*id).clone());
                    }
                    query.push(")");
                    let touched = query.build().execute(&mut *conn).await?.rows_affected();
                    if touched as usize != chunk.len() {
                        // Name the first that is gone.
                        for id in chunk {
                            let found: Option<String> =
                                Builder::new("SELECT person_id FROM contacts WHERE person_id = ")
                                    .push_bind((*id).clone())
                                    .build_query_scalar()
                                    .fetch_optional(&mut *conn)
                                    .await?;
                            if found.is_none() {
                                return Err(StoreError::UnknownContact((*id).clone()));
                            }
                        }
                    }
                }
            }
            for change in singles {
                write_one(conn, change).await?;
            }
            if !identifiers.is_empty() {
                let mut owners = ::std::collections::HashMap::new();
                for chunk in identifiers.chunks(ROWS) {
                    let mut query =
                        Builder::new("SELECT lookup, person_id FROM contact_identifiers WHERE lookup IN (");
                    let mut list = query.separated(", ");
                    for (_, identifier) in chunk {
                        list.push_bind(identifier.lookup.clone());
                    }
                    query.push(")");
                    for row in query.build().fetch_all(&mut *conn).await? {
                        let lookup: String = row.try_get("lookup")?;
                        let owner: String = row.try_get("person_id")?;
                        owners.insert(lookup, owner);
                    }
                }
                for (person_id, identifier) in &identifiers {
                    if owners
                        .get(&identifier.lookup)
                        .is_some_and(|owner| owner != *person_id)
                    {
                        return Err(StoreError::IdentifierTaken(identifier.kind.clone()));
                    }
                    if !created.contains(person_id.as_str()) {
                        Builder::new("DELETE FROM contact_identifiers WHERE person_id = ")
                            .push_bind((*person_id).clone())
                            .push(" AND kind = ")
                            .push_bind(identifier.kind.clone())
                            .build()
                            .execute(&mut *conn)
                            .await?;
                    }
                }
                // The last value of a kind for a person stands, as when written one by one.
                let mut last: ::std::collections::HashMap<(&str, &str), usize> = Default::default();
                for (at, (person_id, identifier)) in identifiers.iter().enumerate() {
                    last.insert((person_id.as_str(), identifier.kind.as_str()), at);
                }
                let kept: Vec<_> = identifiers
                    .iter()
                    .enumerate()
                    .filter(|(at, (p, i))| last.get(&(p.as_str(), i.kind.as_str())) == Some(at))
                    .map(|(_, row)| row)
                    .collect();
                for rows in kept.chunks(ROWS) {
                    let mut query = Builder::new(
                        "INSERT INTO contact_identifiers (lookup, person_id, kind, sealed) ",
                    );
                    query.push_values(rows, |mut values, (person_id, identifier)| {
                        values
                            .push_bind(identifier.lookup.clone())
                            .push_bind((*person_id).clone())
                            .push_bind(identifier.kind.clone())
                            .push_bind(identifier.sealed.clone());
                    });
                    query.build().execute(&mut *conn).await?;
                }
            }
            for rows in links.chunks(ROWS) {
                let mut query = Builder::new("INSERT INTO contact_subjects (person_id, subject) ");
                query.push_values(rows, |mut values, (person_id, subject)| {
                    values.push_bind((*person_id).clone()).push_bind((*subject).clone());
                });
                query.push(" ON CONFLICT (person_id, subject) DO NOTHING");
                query.build().execute(&mut *conn).await?;
                let persons: Vec<String> = rows.iter().map(|(p, _)| (*p).clone()).collect();
                refresh_state(conn, &persons).await?;
            }
            for rows in histories.chunks(ROWS) {
                let mut query = Builder::new(
                    "INSERT INTO contact_history (person_id, at, actor, action, detail) ",
                );
                query.push_values(rows, |mut values, (person_id, entry)| {
                    values
                        .push_bind((*person_id).clone())
                        .push_bind(entry.at)
                        .push_bind(entry.actor.clone())
                        .push_bind(entry.action.clone())
                        .push_bind(entry.detail.clone());
                });
                query.build().execute(&mut *conn).await?;
            }
            Ok(())
        }

        /// A card or profile, which differ per contact.
        async fn write_one(
            conn: &mut <$db as ::sqlx::Database>::Connection,
            change: &ContactWrite,
        ) -> Result<(), StoreError> {
            match change {
                ContactWrite::SetProfile { person_id, profile } => {
                    Builder::new("UPDATE contacts SET profile = ")
                        .push_bind(profile.clone())
                        .push(" WHERE person_id = ")
                        .push_bind(person_id.clone())
                        .build()
                        .execute(&mut *conn)
                        .await?;
                }
                ContactWrite::SetCard { person_id, card } => {
                    Builder::new("UPDATE contacts SET basis = ")
                        .push_bind(card.basis.clone())
                        .push(", basis_other = ")
                        .push_bind(card.basis_other.clone())
                        .push(", consent_date = ")
                        .push_bind(card.consent_date.clone())
                        .push(", consent_purpose = ")
                        .push_bind(card.consent_purpose.clone())
                        .push(", source = ")
                        .push_bind(card.source.clone())
                        .push(", source_other = ")
                        .push_bind(card.source_other.clone())
                        .push(" WHERE person_id = ")
                        .push_bind(person_id.clone())
                        .build()
                        .execute(&mut *conn)
                        .await?;
                }
                _ => {}
            }
            Ok(())
        }

        /// The producer of `stream_contacts`: one statement, its rows grouped per contact,
        /// sent in batches; stops when the receiver is gone (the client went away).
        async fn send_contacts(
            pool: ::sqlx::Pool<$db>,
            selection: Selection,
            batches: &::tokio::sync::mpsc::Sender<Result<Vec<StoredContact>, StoreError>>,
        ) -> Result<(), StoreError> {
            use ::futures_util::TryStreamExt as _;
            let mut query = Builder::new("SELECT ");
            // Only what a CSV record opens: every column is copied once more on its way out of
            // SQLite's worker thread.
            query.push(
                "c.person_id, c.created_at, c.updated_at, c.key_id, c.wrapped_key, c.profile, \
                 i.kind AS identifier_kind, i.sealed AS identifier_sealed",
            );
            push_selection_joined(&mut query, &selection, true, true);
            query.push(" ORDER BY s.person_id");
            let mut rows = query.build().fetch(&pool);
            let mut batch: Vec<StoredContact> = Vec::with_capacity(STREAM_BATCH);
            while let Some(row) = rows.try_next().await? {
                let person_id: String = row.try_get("person_id")?;
                if batch.last().is_none_or(|last| last.person_id != person_id) {
                    if batch.len() == STREAM_BATCH {
                        // The last contact's identifiers are all in: a new contact starts.
                        let full = ::std::mem::replace(&mut batch, Vec::with_capacity(STREAM_BATCH));
                        if batches.send(Ok(full)).await.is_err() {
                            return Ok(());
                        }
                    }
                    batch.push(StoredContact {
                        person_id,
                        created_at: row.try_get("created_at")?,
                        updated_at: row.try_get("updated_at")?,
                        card: StoredCard::default(),
                        key: StoredVaultKey {
                            key_id: row.try_get("key_id")?,
                            wrapped: row.try_get("wrapped_key")?,
                        },
                        profile: row.try_get("profile")?,
                        identifiers: Vec::new(),
                    });
                }
                let kind: Option<String> = row.try_get("identifier_kind")?;
                if let (Some(kind), Some(contact)) = (kind, batch.last_mut()) {
                    contact.identifiers.push(StoredContactIdentifier {
                        kind,
                        lookup: String::new(),
                        sealed: row.try_get("identifier_sealed")?,
                    });
                }
            }
            if !batch.is_empty() {
                let _ = batches.send(Ok(batch)).await;
            }
            Ok(())
        }

        #[async_trait]
        impl ContactStore for $store {
            fn stream_contacts(&self, selection: &Selection) -> ContactBatches {
                let (sender, receiver) = ::tokio::sync::mpsc::channel(2);
                let (pool, selection) = (self.pool.clone(), selection.clone());
                ::tokio::spawn(async move {
                    if let Err(error) = send_contacts(pool, selection, &sender).await {
                        let _ = sender.send(Err(error)).await;
                    }
                });
                Box::pin(::futures_util::stream::unfold(receiver, |mut receiver| async move {
                    receiver.recv().await.map(|batch| (batch, receiver))
                }))
            }

            async fn select_contacts(
                &self,
                selection: &Selection,
                after: Option<&str>,
                limit: u32,
            ) -> Result<Vec<SelectedContact>, StoreError> {
                let mut query = Builder::new("SELECT ");
                query.push(CONTACT_COLUMNS).push(
                    ", s.site, s.purpose, s.decision, s.decided_at, s.expires_at, s.receipt_sequence",
                );
                push_selection(&mut query, selection, true);
                if let Some(after) = after {
                    // On both sides of the join: PostgreSQL does not carry a range across an
                    // equality, and without it merge-joined every contact before the cursor
                    // (seconds a page deep into a million contacts).
                    query
                        .push(" AND s.person_id > ")
                        .push_bind(after.to_owned())
                        .push(" AND c.person_id > ")
                        .push_bind(after.to_owned());
                }
                query
                    .push(" ORDER BY s.person_id LIMIT ")
                    .push_bind(i64::from(limit));
                let rows = query.build().fetch_all(&self.pool).await?;
                let mut contacts = rows.iter().map(contact_row).collect::<Result<Vec<_>, _>>()?;
                with_identifiers(&self.pool, &mut contacts).await?;
                contacts
                    .into_iter()
                    .zip(rows.iter())
                    .map(|(contact, row)| {
                        Ok(SelectedContact {
                            contact,
                            state: state_row(row)?,
                        })
                    })
                    .collect()
            }

            async fn count_contacts(&self, selection: &Selection) -> Result<i64, StoreError> {
                if selection.basis.is_some()
                    || selection.source.is_some()
                    || selection.lookup.is_some()
                {
                    return count_by_index(&self.pool, selection).await;
                }
                let states =
                    tallied_states(&self.pool, &selection.site, &selection.purpose, selection.now)
                        .await?;
                Ok(states
                    .iter()
                    .find(|(state, _)| *state == selection.state)
                    .map_or(0, |(_, count)| *count))
            }

            async fn state_counts(
                &self,
                site: &str,
                now: i64,
            ) -> Result<Vec<StateCount>, StoreError> {
                let purposes: Vec<String> = Builder::new(
                    "SELECT DISTINCT purpose FROM contact_state_counts WHERE site = ",
                )
                .push_bind(site.to_owned())
                .push(" AND contacts <> 0 ORDER BY purpose")
                .build_query_scalar()
                .fetch_all(&self.pool)
                .await?;
                let mut counts = Vec::new();
                for purpose in purposes {
                    for (state, count) in tallied_states(&self.pool, site, &purpose, now).await? {
                        if count != 0 {
                            counts.push(StateCount {
                                purpose: purpose.clone(),
                                state: state.as_str().to_owned(),
                                count,
                            });
                        }
                    }
                }
                Ok(counts)
            }

            async fn daily_counts(
                &self,
                site: &str,
                from: &str,
                to: &str,
            ) -> Result<Vec<DailyCount>, StoreError> {
                let rows = Builder::new(
                    "SELECT purpose, day, granted, denied, withdrawn FROM consent_daily WHERE site = ",
                )
                .push_bind(site.to_owned())
                .push(" AND day >= ")
                .push_bind(from.to_owned())
                .push(" AND day <= ")
                .push_bind(to.to_owned())
                .push(" ORDER BY purpose, day")
                .build()
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(DailyCount {
                            purpose: row.try_get("purpose")?,
                            day: row.try_get("day")?,
                            granted: row.try_get("granted")?,
                            denied: row.try_get("denied")?,
                            withdrawn: row.try_get("withdrawn")?,
                        })
                    })
                    .collect()
            }

            async fn contact(&self, person_id: &str) -> Result<Option<StoredContact>, StoreError> {
                Ok(self.contacts(&[person_id.to_owned()]).await?.pop())
            }

            async fn contacts(
                &self,
                person_ids: &[String],
            ) -> Result<Vec<StoredContact>, StoreError> {
                let mut found = Vec::with_capacity(person_ids.len());
                for ids in person_ids.chunks(500) {
                    let mut query = Builder::new("SELECT ");
                    query
                        .push(CONTACT_COLUMNS)
                        .push(" FROM contacts c WHERE c.person_id IN (");
                    let mut list = query.separated(", ");
                    for id in ids {
                        list.push_bind(id.clone());
                    }
                    query.push(") ORDER BY c.person_id");
                    let rows = query.build().fetch_all(&self.pool).await?;
                    let mut contacts =
                        rows.iter().map(contact_row).collect::<Result<Vec<_>, _>>()?;
                    with_identifiers(&self.pool, &mut contacts).await?;
                    found.extend(contacts);
                }
                Ok(found)
            }

            async fn contact_by_lookup(&self, lookup: &str) -> Result<Option<String>, StoreError> {
                Ok(Builder::new("SELECT person_id FROM contact_identifiers WHERE lookup = ")
                    .push_bind(lookup.to_owned())
                    .build_query_scalar()
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn contact_states(
                &self,
                person_id: &str,
            ) -> Result<Vec<StoredContactState>, StoreError> {
                let rows = Builder::new(
                    "SELECT site, purpose, decision, decided_at, expires_at, receipt_sequence \
                     FROM contact_consent_state WHERE person_id = ",
                )
                .push_bind(person_id.to_owned())
                .push(" ORDER BY site, purpose")
                .build()
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(state_row).collect()
            }

            async fn contact_history(
                &self,
                person_id: &str,
            ) -> Result<Vec<ContactHistoryEntry>, StoreError> {
                let rows = Builder::new(
                    "SELECT at, actor, action, detail FROM contact_history WHERE person_id = ",
                )
                .push_bind(person_id.to_owned())
                .push(" ORDER BY sequence")
                .build()
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(ContactHistoryEntry {
                            at: row.try_get("at")?,
                            actor: row.try_get("actor")?,
                            action: row.try_get("action")?,
                            detail: row.try_get("detail")?,
                        })
                    })
                    .collect()
            }

            async fn contact_receipts(
                &self,
                person_id: &str,
            ) -> Result<Vec<ContactReceipt>, StoreError> {
                let rows = Builder::new(
                    "SELECT r.sequence, r.site, r.policy_version, r.receipt FROM receipts r \
                     WHERE r.subject IN (SELECT subject FROM contact_subjects WHERE person_id = ",
                )
                .push_bind(person_id.to_owned())
                .push(") ORDER BY r.sequence")
                .build()
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(ContactReceipt {
                            sequence: row.try_get("sequence")?,
                            site: row.try_get("site")?,
                            policy_version: row.try_get("policy_version")?,
                            receipt: row.try_get("receipt")?,
                        })
                    })
                    .collect()
            }

            async fn write_contacts(&self, changes: &[ContactWrite]) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                write_all(&mut tx, changes).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_contact(
                &self,
                person_id: &str,
            ) -> Result<Option<DeletedContact>, StoreError> {
                let mut tx = self.begin_write().await?;
                let exists: Option<String> =
                    Builder::new("SELECT person_id FROM contacts WHERE person_id = ")
                        .push_bind(person_id.to_owned())
                        .build_query_scalar()
                        .fetch_optional(&mut *tx)
                        .await?;
                if exists.is_none() {
                    return Ok(None);
                }
                let subjects: Vec<String> =
                    Builder::new("SELECT subject FROM contact_subjects WHERE person_id = ")
                        .push_bind(person_id.to_owned())
                        .build_query_scalar()
                        .fetch_all(&mut *tx)
                        .await?;
                let mut receipts = 0;
                for chunk in subjects.chunks(500) {
                    let mut query = Builder::new("SELECT COUNT(*) FROM receipts WHERE subject IN (");
                    let mut list = query.separated(", ");
                    for subject in chunk {
                        list.push_bind(subject.clone());
                    }
                    query.push(")");
                    let counted: i64 = query.build_query_scalar().fetch_one(&mut *tx).await?;
                    receipts += u64::try_from(counted).unwrap_or_default();
                    // The subjects' vaults hold the address and the salts that open the
                    // receipts' commitments: they go with the contact.
                    for table in ["subject_identifiers", "subject_vaults"] {
                        let mut query = Builder::new(format!("DELETE FROM {table} WHERE subject IN ("));
                        let mut list = query.separated(", ");
                        for subject in chunk {
                            list.push_bind(subject.clone());
                        }
                        query.push(")");
                        query.build().execute(&mut *tx).await?;
                    }
                }
                // The send log of the contact's mail, then the rest, children first: no
                // reliance on cascades being switched on.
                Builder::new("DELETE FROM mail_log WHERE mail_id IN (SELECT id FROM mail_outbox WHERE person_id = ")
                    .push_bind(person_id.to_owned())
                    .push(")")
                    .build()
                    .execute(&mut *tx)
                    .await?;
                // Events about the contact not yet delivered to a CRM name it: they go too.
                Builder::new("DELETE FROM webhook_log WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE person_id = ")
                    .push_bind(person_id.to_owned())
                    .push(")")
                    .build()
                    .execute(&mut *tx)
                    .await?;
                for table in [
                    "webhook_deliveries",
                    "data_downloads",
                    "mail_outbox",
                    "optin_confirmations",
                    "contact_identifiers",
                    "contact_subjects",
                    "contact_consent_state",
                    "contact_holds",
                    "contact_history",
                    "contacts",
                ] {
                    Builder::new(format!("DELETE FROM {table} WHERE person_id = "))
                        .push_bind(person_id.to_owned())
                        .build()
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(Some(DeletedContact {
                    subjects: subjects.len() as u64,
                    receipts,
                }))
            }

            async fn unadopted_identifiers(
                &self,
                limit: u32,
            ) -> Result<Vec<UnadoptedIdentifier>, StoreError> {
                let rows = Builder::new(
                    "SELECT si.subject, v.key_id, v.wrapped_key, si.kind, si.lookup, si.sealed, \
                     r.issued_at FROM subject_identifiers si \
                     JOIN subject_vaults v ON v.subject = si.subject \
                     JOIN receipts r ON r.sequence = si.receipt_sequence \
                     WHERE NOT EXISTS (SELECT 1 FROM contact_identifiers ci WHERE ci.lookup = si.lookup) \
                     ORDER BY si.receipt_sequence LIMIT ",
                )
                .push_bind(i64::from(limit))
                .build()
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(UnadoptedIdentifier {
                            subject: row.try_get("subject")?,
                            key: StoredVaultKey {
                                key_id: row.try_get("key_id")?,
                                wrapped: row.try_get("wrapped_key")?,
                            },
                            kind: row.try_get("kind")?,
                            lookup: row.try_get("lookup")?,
                            sealed: row.try_get("sealed")?,
                            first_seen: row.try_get("issued_at")?,
                        })
                    })
                    .collect()
            }

            async fn contacts_by_lookups(
                &self,
                lookups: &[String],
            ) -> Result<::std::collections::HashMap<String, String>, StoreError> {
                let mut found = ::std::collections::HashMap::new();
                for chunk in lookups.chunks(500) {
                    let mut query = Builder::new(
                        "SELECT lookup, person_id FROM contact_identifiers WHERE lookup IN (",
                    );
                    let mut list = query.separated(", ");
                    for lookup in chunk {
                        list.push_bind(lookup.clone());
                    }
                    query.push(")");
                    for row in query.build().fetch_all(&self.pool).await? {
                        found.insert(row.try_get("lookup")?, row.try_get("person_id")?);
                    }
                }
                Ok(found)
            }

            async fn issued_subjects(
                &self,
                person_ids: &[String],
            ) -> Result<::std::collections::HashMap<String, String>, StoreError> {
                let mut found = ::std::collections::HashMap::new();
                for chunk in person_ids.chunks(500) {
                    let mut query = Builder::new(
                        "SELECT person_id, subject FROM contact_subjects WHERE subject LIKE ",
                    );
                    query
                        .push_bind(format!("{ISSUED_SUBJECT_PREFIX}%"))
                        .push(" AND person_id IN (");
                    let mut list = query.separated(", ");
                    for id in chunk {
                        list.push_bind(id.clone());
                    }
                    query.push(")");
                    for row in query.build().fetch_all(&self.pool).await? {
                        found.insert(row.try_get("person_id")?, row.try_get("subject")?);
                    }
                }
                Ok(found)
            }

            async fn save_import(&self, record: &ImportRecord) -> Result<(), StoreError> {
                let mut query = Builder::new(
                    "INSERT INTO imports (id, site, operator, file_sha256, state, rows_total, \
                     rows_done, created, updated, receipts, skipped, errors, failure, started_at, \
                     finished_at) ",
                );
                query.push_values([record], |mut values, r| {
                    values
                        .push_bind(r.id.clone())
                        .push_bind(r.site.clone())
                        .push_bind(r.operator.clone())
                        .push_bind(r.file_sha256.clone())
                        .push_bind(r.state.clone())
                        .push_bind(r.rows_total)
                        .push_bind(r.rows_done)
                        .push_bind(r.created)
                        .push_bind(r.updated)
                        .push_bind(r.receipts)
                        .push_bind(r.skipped)
                        .push_bind(r.errors.clone())
                        .push_bind(r.failure.clone())
                        .push_bind(r.started_at)
                        .push_bind(r.finished_at);
                });
                query.push(
                    " ON CONFLICT (id) DO UPDATE SET state = excluded.state, \
                     rows_done = excluded.rows_done, created = excluded.created, \
                     updated = excluded.updated, receipts = excluded.receipts, \
                     skipped = excluded.skipped, errors = excluded.errors, \
                     failure = excluded.failure, finished_at = excluded.finished_at",
                );
                query.build().execute(&self.pool).await?;
                Ok(())
            }

            async fn import(&self, id: &str) -> Result<Option<ImportRecord>, StoreError> {
                let row = Builder::new(
                    "SELECT id, site, operator, file_sha256, state, rows_total, rows_done, created, \
                     updated, receipts, skipped, errors, failure, started_at, finished_at \
                     FROM imports WHERE id = ",
                )
                .push_bind(id.to_owned())
                .build()
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| {
                    Ok(ImportRecord {
                        id: row.try_get("id")?,
                        site: row.try_get("site")?,
                        operator: row.try_get("operator")?,
                        file_sha256: row.try_get("file_sha256")?,
                        state: row.try_get("state")?,
                        rows_total: row.try_get("rows_total")?,
                        rows_done: row.try_get("rows_done")?,
                        created: row.try_get("created")?,
                        updated: row.try_get("updated")?,
                        receipts: row.try_get("receipts")?,
                        skipped: row.try_get("skipped")?,
                        errors: row.try_get("errors")?,
                        failure: row.try_get("failure")?,
                        started_at: row.try_get("started_at")?,
                        finished_at: row.try_get("finished_at")?,
                    })
                })
                .transpose()
            }

            async fn subjects_with_lookup(&self, lookup: &str) -> Result<Vec<String>, StoreError> {
                Ok(Builder::new("SELECT DISTINCT subject FROM subject_identifiers WHERE lookup = ")
                    .push_bind(lookup.to_owned())
                    .build_query_scalar()
                    .fetch_all(&self.pool)
                    .await?)
            }
        }
    };
}

pub(crate) use contacts_sql;
