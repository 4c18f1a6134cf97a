//! The SQL of [`RequestStore`](super::requests::RequestStore), for both backends, stamped out per
//! backend in `<backend>/requests.rs`.

/// `impl RequestStore for $store`, on database `$db`; `$store` has `pool` and `begin_write()`.
macro_rules! requests_sql {
    ($store:ty, $db:ident) => {
        use ::async_trait::async_trait;
        use ::sqlx::{QueryBuilder, Row as _};

        use $crate::store::StoreError;
        use $crate::store::requests::{
            DataDownload, HoldChange, RequestChange, RequestStore, StoredRequest,
        };

        type Builder = QueryBuilder<$db>;

        const REQUEST_COLUMNS: &str = "id, kind, person_id, site, purpose, channel, state, \
             received_at, due_at, extension_reason, outcome, settled_at, language";

        fn request_row(row: &<$db as ::sqlx::Database>::Row) -> Result<StoredRequest, StoreError> {
            Ok(StoredRequest {
                id: row.try_get("id")?,
                kind: row.try_get("kind")?,
                person_id: row.try_get("person_id")?,
                site: row.try_get("site")?,
                purpose: row.try_get("purpose")?,
                channel: row.try_get("channel")?,
                state: row.try_get("state")?,
                received_at: row.try_get("received_at")?,
                due_at: row.try_get("due_at")?,
                extension_reason: row.try_get("extension_reason")?,
                outcome: row.try_get("outcome")?,
                settled_at: row.try_get("settled_at")?,
                language: row.try_get("language")?,
            })
        }

        const DOWNLOAD_COLUMNS: &str =
            "id, person_id, site, language, created_at, expires_at, used_at";

        fn download_row(
            row: &<$db as ::sqlx::Database>::Row,
        ) -> Result<DataDownload, StoreError> {
            Ok(DataDownload {
                id: row.try_get("id")?,
                person_id: row.try_get("person_id")?,
                site: row.try_get("site")?,
                language: row.try_get("language")?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
                used_at: row.try_get("used_at")?,
            })
        }

        async fn history(
            tx: &mut <$db as ::sqlx::Database>::Connection,
            id: &str,
            at: i64,
            actor: &str,
            action: &str,
            detail: &str,
        ) -> Result<(), StoreError> {
            let mut query = Builder::new(
                "INSERT INTO request_history (request_id, at, actor, action, detail) ",
            );
            query.push_values([()], |mut values, ()| {
                values
                    .push_bind(id.to_owned())
                    .push_bind(at)
                    .push_bind(actor.to_owned())
                    .push_bind(action.to_owned())
                    .push_bind(detail.to_owned());
            });
            query.build().execute(&mut *tx).await?;
            Ok(())
        }

        #[async_trait]
        impl RequestStore for $store {
            async fn insert_request(
                &self,
                request: &StoredRequest,
                actor: &str,
                detail: &str,
            ) -> Result<(), StoreError> {
                let mut tx = self.pool.begin().await?;
                let mut query = Builder::new(format!("INSERT INTO requests ({REQUEST_COLUMNS}) "));
                query.push_values([request], |mut values, r| {
                    values
                        .push_bind(r.id.clone())
                        .push_bind(r.kind.clone())
                        .push_bind(r.person_id.clone())
                        .push_bind(r.site.clone())
                        .push_bind(r.purpose.clone())
                        .push_bind(r.channel.clone())
                        .push_bind(r.state.clone())
                        .push_bind(r.received_at)
                        .push_bind(r.due_at)
                        .push_bind(r.extension_reason.clone())
                        .push_bind(r.outcome.clone())
                        .push_bind(r.settled_at)
                        .push_bind(r.language.clone());
                });
                query.build().execute(&mut *tx).await?;
                history(
                    &mut tx,
                    &request.id,
                    request.received_at,
                    actor,
                    "received",
                    detail,
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn request(&self, id: &str) -> Result<Option<StoredRequest>, StoreError> {
                let mut query = Builder::new(format!(
                    "SELECT {REQUEST_COLUMNS} FROM requests WHERE id = "
                ));
                query.push_bind(id.to_owned());
                let row = query.build().fetch_optional(&self.pool).await?;
                row.as_ref().map(request_row).transpose()
            }

            async fn requests(
                &self,
                states: &[&str],
                due_before: Option<i64>,
                limit: u32,
            ) -> Result<Vec<StoredRequest>, StoreError> {
                let mut query = Builder::new(format!(
                    "SELECT {REQUEST_COLUMNS} FROM requests WHERE 1 = 1"
                ));
                if !states.is_empty() {
                    query.push(" AND state IN (");
                    let mut list = query.separated(", ");
                    for state in states {
                        list.push_bind(state.to_string());
                    }
                    list.push_unseparated(")");
                }
                if let Some(due_before) = due_before {
                    query.push(" AND due_at < ").push_bind(due_before);
                }
                query
                    .push(" ORDER BY due_at, id LIMIT ")
                    .push_bind(i64::from(limit));
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter().map(request_row).collect()
            }

            async fn request_history(
                &self,
                id: &str,
            ) -> Result<Vec<(i64, String, String, String)>, StoreError> {
                let mut query = Builder::new(
                    "SELECT at, actor, action, detail FROM request_history WHERE request_id = ",
                );
                query.push_bind(id.to_owned()).push(" ORDER BY sequence");
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            row.try_get("at")?,
                            row.try_get("actor")?,
                            row.try_get("action")?,
                            row.try_get("detail")?,
                        ))
                    })
                    .collect()
            }

            async fn suppress(
                &self,
                lookups: &[String],
                request_id: Option<&str>,
                now: i64,
            ) -> Result<(), StoreError> {
                if lookups.is_empty() {
                    return Ok(());
                }
                let mut query =
                    Builder::new("INSERT INTO suppressions (lookup, since, request_id) ");
                query.push_values(lookups, |mut values, lookup| {
                    values
                        .push_bind(lookup.clone())
                        .push_bind(now)
                        .push_bind(request_id.map(str::to_owned));
                });
                query.push(" ON CONFLICT (lookup) DO NOTHING");
                query.build().execute(&self.pool).await?;
                Ok(())
            }

            async fn suppressed(
                &self,
                lookups: &[String],
            ) -> Result<::std::collections::HashSet<String>, StoreError> {
                let mut found = ::std::collections::HashSet::new();
                for chunk in lookups.chunks(500) {
                    let mut query =
                        Builder::new("SELECT lookup FROM suppressions WHERE lookup IN (");
                    let mut list = query.separated(", ");
                    for lookup in chunk {
                        list.push_bind(lookup.clone());
                    }
                    list.push_unseparated(")");
                    let rows: Vec<String> =
                        query.build_query_scalar().fetch_all(&self.pool).await?;
                    found.extend(rows);
                }
                Ok(found)
            }

            async fn inactive_contacts(
                &self,
                site: &str,
                before: i64,
            ) -> Result<Vec<(String, i64)>, StoreError> {
                let mut query = Builder::new(
                    "SELECT s.person_id, COALESCE(MAX(r.issued_at), MIN(c.created_at)) AS last \
                     FROM contact_consent_state s JOIN contacts c ON c.person_id = s.person_id \
                     LEFT JOIN contact_subjects cs ON cs.person_id = s.person_id \
                     LEFT JOIN receipts r ON r.subject = cs.subject AND r.site = s.site \
                     AND r.collection_method <> 'import' \
                     WHERE s.site = ",
                );
                query
                    .push_bind(site.to_owned())
                    .push(" GROUP BY s.person_id HAVING COALESCE(MAX(r.issued_at), MIN(c.created_at)) < ")
                    .push_bind(before)
                    .push(" ORDER BY last, s.person_id");
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|row| Ok((row.try_get("person_id")?, row.try_get("last")?)))
                    .collect()
            }

            async fn hold_inactive(
                &self,
                site: &str,
                person_ids: &[String],
                before: i64,
                now: i64,
            ) -> Result<u64, StoreError> {
                let mut held = 0;
                // In chunks, each its own short transaction: appends wait for none for long.
                for chunk in person_ids.chunks(200) {
                    let mut tx = self.begin_write().await?;
                    for person_id in chunk {
                        // Not if the contact engaged since it was found stale (a receipt that
                        // arrived meanwhile has already lifted any hold; none must follow it).
                        let mut query = Builder::new(
                            "INSERT INTO contact_holds (person_id, site, purpose, reason, since) SELECT ",
                        );
                        query
                            .push_bind(person_id.clone())
                            .push(", ")
                            .push_bind(site.to_owned())
                            .push(", NULL, 'inactive', ")
                            .push_bind(now)
                            .push(" WHERE NOT EXISTS (SELECT 1 FROM contact_holds WHERE person_id = ")
                            .push_bind(person_id.clone())
                            .push(" AND site = ")
                            .push_bind(site.to_owned())
                            .push(" AND reason = 'inactive') AND NOT EXISTS (SELECT 1 FROM contact_subjects cs \
                                   JOIN receipts r ON r.subject = cs.subject WHERE cs.person_id = ")
                            .push_bind(person_id.clone())
                            .push(" AND r.site = ")
                            .push_bind(site.to_owned())
                            .push(" AND r.collection_method <> 'import' AND r.issued_at >= ")
                            .push_bind(before)
                            .push(")");
                        held += query.build().execute(&mut *tx).await?.rows_affected();
                    }
                    tx.commit().await?;
                }
                // Holds of contacts that engaged since `before` (a longer time configured, or a
                // receipt that raced a run) are lifted.
                let mut query = Builder::new(
                    "DELETE FROM contact_holds WHERE reason = 'inactive' AND site = ",
                );
                query
                    .push_bind(site.to_owned())
                    .push(
                        " AND EXISTS (SELECT 1 FROM contact_subjects cs JOIN receipts r ON r.subject = cs.subject \
                         WHERE cs.person_id = contact_holds.person_id AND r.site = contact_holds.site \
                         AND r.collection_method <> 'import' AND r.issued_at >= ",
                    )
                    .push_bind(before)
                    .push(")");
                query.build().execute(&self.pool).await?;
                Ok(held)
            }

            async fn change_request(
                &self,
                change: &RequestChange,
                holds: &[HoldChange],
            ) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let mut query = Builder::new("UPDATE requests SET id = id");
                if let Some(state) = change.state {
                    query.push(", state = ").push_bind(state);
                    if matches!(state, "done" | "refused") {
                        query.push(", settled_at = ").push_bind(change.at);
                    }
                }
                if let Some((due_at, reason)) = &change.extend {
                    query
                        .push(", due_at = ")
                        .push_bind(*due_at)
                        .push(", extension_reason = ")
                        .push_bind(reason.clone());
                }
                if let Some(outcome) = &change.outcome {
                    query.push(", outcome = ").push_bind(outcome.clone());
                }
                query.push(" WHERE id = ").push_bind(change.id.clone());
                if !change.from.is_empty() {
                    query.push(" AND state IN (");
                    let mut list = query.separated(", ");
                    for state in &change.from {
                        list.push_bind(*state);
                    }
                    list.push_unseparated(")");
                }
                if change.extend.is_some() {
                    // Art 12(3): once.
                    query.push(" AND extension_reason IS NULL");
                }
                if query.build().execute(&mut *tx).await?.rows_affected() == 0 {
                    return Ok(false);
                }
                for hold in holds {
                    let mut query = match hold.on {
                        true => Builder::new(
                            "INSERT INTO contact_holds (person_id, site, purpose, reason, since) ",
                        ),
                        false => Builder::new("DELETE FROM contact_holds WHERE person_id = "),
                    };
                    if hold.on {
                        query.push_values([hold], |mut values, h| {
                            values
                                .push_bind(h.person_id.clone())
                                .push_bind(h.site.clone())
                                .push_bind(h.purpose.clone())
                                .push_bind(h.reason)
                                .push_bind(change.at);
                        });
                    } else {
                        query
                            .push_bind(hold.person_id.clone())
                            .push(" AND reason = ")
                            .push_bind(hold.reason);
                        match &hold.site {
                            Some(site) => query.push(" AND site = ").push_bind(site.clone()),
                            None => query.push(" AND site IS NULL"),
                        };
                        match &hold.purpose {
                            Some(purpose) => {
                                query.push(" AND purpose = ").push_bind(purpose.clone())
                            }
                            None => query.push(" AND purpose IS NULL"),
                        };
                    }
                    query.build().execute(&mut *tx).await?;
                }
                if let Some(mail) = &change.tell {
                    $crate::store::queue_outbox_row::<$db>(mail, change.at)
                        .build()
                        .execute(&mut *tx)
                        .await?;
                }
                history(
                    &mut tx,
                    &change.id,
                    change.at,
                    &change.actor,
                    &change.action,
                    &change.detail,
                )
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn issue_download(&self, download: &DataDownload) -> Result<(), StoreError> {
                let mut query =
                    Builder::new(format!("INSERT INTO data_downloads ({DOWNLOAD_COLUMNS}) "));
                query.push_values([download], |mut values, d| {
                    values
                        .push_bind(d.id.clone())
                        .push_bind(d.person_id.clone())
                        .push_bind(d.site.clone())
                        .push_bind(d.language.clone())
                        .push_bind(d.created_at)
                        .push_bind(d.expires_at)
                        .push_bind(d.used_at);
                });
                query.push(" ON CONFLICT (id) DO NOTHING");
                query.build().execute(&self.pool).await?;
                Ok(())
            }

            async fn download(&self, id: &str) -> Result<Option<DataDownload>, StoreError> {
                let mut query = Builder::new(format!(
                    "SELECT {DOWNLOAD_COLUMNS} FROM data_downloads WHERE id = "
                ));
                query.push_bind(id.to_owned());
                let row = query.build().fetch_optional(&self.pool).await?;
                row.as_ref().map(download_row).transpose()
            }

            async fn take_download(
                &self,
                id: &str,
                now: i64,
            ) -> Result<Option<DataDownload>, StoreError> {
                let mut query = Builder::new("UPDATE data_downloads SET used_at = ");
                query
                    .push_bind(now)
                    .push(" WHERE id = ")
                    .push_bind(id.to_owned())
                    .push(" AND used_at IS NULL AND expires_at > ")
                    .push_bind(now)
                    .push(format!(" RETURNING {DOWNLOAD_COLUMNS}"));
                let row = query.build().fetch_optional(&self.pool).await?;
                row.as_ref().map(download_row).transpose()
            }
        }
    };
}

pub(crate) use requests_sql;
