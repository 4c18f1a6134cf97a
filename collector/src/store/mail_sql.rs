//! The SQL of [`MailStore`](super::mail::MailStore), for both backends, stamped out per backend
//! in `<backend>/mail.rs` (as `contacts_sql.rs` is).

/// `impl MailStore for $store`, on database `$db`; `$store` has `pool` and `begin_write()`.
macro_rules! mail_sql {
    ($store:ty, $db:ident) => {
        use ::async_trait::async_trait;
        use ::sqlx::{QueryBuilder, Row as _};

        use $crate::store::StoreError;
        use $crate::store::contacts_sql::HOLD_EXISTS;
        use $crate::store::mail::{
            AskedConfirmation, MailLogEntry, MailOutcome, MailStore, NewMail, OptInStanding, OutboxMail,
            StoredConfirmation, StoredHold,
        };

        type Builder = QueryBuilder<$db>;

        const CONFIRMATION_COLUMNS: &str = "id, person_id, site, purpose, form_receipt, language, \
             state, created_at, expires_at, receipt_id, guardian_key_id, guardian_sealed";

        fn confirmation_row(
            row: &<$db as ::sqlx::Database>::Row,
        ) -> Result<StoredConfirmation, StoreError> {
            Ok(StoredConfirmation {
                id: row.try_get("id")?,
                person_id: row.try_get("person_id")?,
                site: row.try_get("site")?,
                purpose: row.try_get("purpose")?,
                form_receipt: row.try_get("form_receipt")?,
                language: row.try_get("language")?,
                state: row.try_get("state")?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
                receipt_id: row.try_get("receipt_id")?,
                guardian: match (
                    row.try_get::<Option<String>, _>("guardian_key_id")?,
                    row.try_get::<Option<Vec<u8>>, _>("guardian_sealed")?,
                ) {
                    (Some(key_id), Some(wrapped)) => {
                        Some($crate::store::StoredVaultKey { key_id, wrapped })
                    }
                    _ => None,
                },
            })
        }

        /// Settles the pending confirmations of a contact's site and purpose as confirmed by
        /// `receipt_id` and lifts the `pending` hold, noting it in the history, inside `tx`.
        #[allow(clippy::too_many_arguments)]
        async fn settle_pending(
            tx: &mut <$db as ::sqlx::Database>::Connection,
            person_id: &str,
            site: &str,
            purpose: &str,
            receipt_id: &str,
            named: Option<&str>,
            now: i64,
            actor: &str,
        ) -> Result<bool, StoreError> {
            // A guardian's address is kept only until its confirmation settles.
            let mut query = Builder::new(
                "UPDATE optin_confirmations SET state = 'confirmed', guardian_key_id = NULL, \
                 guardian_sealed = NULL, settled_at = ",
            );
            query.push_bind(now).push(", receipt_id = ");
            match named {
                // Only the confirmation whose link was followed names the receipt.
                Some(id) => {
                    query
                        .push("CASE WHEN id = ")
                        .push_bind(id.to_owned())
                        .push(" THEN ")
                        .push_bind(receipt_id.to_owned())
                        .push(" ELSE receipt_id END");
                }
                None => {
                    query.push_bind(receipt_id.to_owned());
                }
            }
            query
                .push(" WHERE state = 'pending' AND person_id = ")
                .push_bind(person_id.to_owned())
                .push(" AND site = ")
                .push_bind(site.to_owned())
                .push(" AND purpose = ")
                .push_bind(purpose.to_owned());
            let settled = query.build().execute(&mut *tx).await?.rows_affected();
            let mut query = Builder::new("DELETE FROM contact_holds WHERE reason = 'pending' AND person_id = ");
            query
                .push_bind(person_id.to_owned())
                .push(" AND site = ")
                .push_bind(site.to_owned())
                .push(" AND purpose = ")
                .push_bind(purpose.to_owned());
            let lifted = query.build().execute(&mut *tx).await?.rows_affected();
            if settled + lifted == 0 {
                return Ok(false);
            }
            // Confirmed from the mailbox: a person erased earlier is no longer suppressed.
            let mut query = Builder::new(
                "DELETE FROM suppressions WHERE lookup IN (SELECT lookup FROM contact_identifiers \
                 WHERE person_id = ",
            );
            query.push_bind(person_id.to_owned()).push(")");
            query.build().execute(&mut *tx).await?;
            let detail = ::serde_json::json!({
                "site": site, "purpose": purpose, "receiptId": receipt_id,
            });
            let mut query = Builder::new(
                "INSERT INTO contact_history (person_id, at, actor, action, detail) ",
            );
            query.push_values([()], |mut values, ()| {
                values
                    .push_bind(person_id.to_owned())
                    .push_bind(now)
                    .push_bind(actor.to_owned())
                    .push_bind("optin.confirmed")
                    .push_bind(detail.to_string());
            });
            query.build().execute(&mut *tx).await?;
            Ok(true)
        }

        #[async_trait]
        impl MailStore for $store {
            async fn holds(&self, person_id: &str) -> Result<Vec<StoredHold>, StoreError> {
                let mut query = Builder::new("SELECT site, purpose, reason FROM contact_holds WHERE person_id = ");
                query.push_bind(person_id.to_owned());
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|row| {
                        Ok(StoredHold {
                            site: row.try_get("site")?,
                            purpose: row.try_get("purpose")?,
                            reason: row.try_get("reason")?,
                        })
                    })
                    .collect()
            }

            async fn release_pending(
                &self,
                person_id: &str,
                site: &str,
                purpose: &str,
                receipt_id: &str,
                now: i64,
                actor: &str,
            ) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let released =
                    settle_pending(&mut tx, person_id, site, purpose, receipt_id, None, now, actor)
                        .await?;
                tx.commit().await?;
                Ok(released)
            }

            async fn ask_confirmation(
                &self,
                asked: &AskedConfirmation,
                now: i64,
                unless_since: i64,
            ) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let mut query = Builder::new("SELECT COUNT(*) FROM optin_confirmations WHERE person_id = ");
                query
                    .push_bind(asked.person_id.clone())
                    .push(" AND site = ")
                    .push_bind(asked.site.clone())
                    .push(" AND purpose = ")
                    .push_bind(asked.purpose.clone())
                    .push(" AND state = 'pending' AND created_at >= ")
                    .push_bind(unless_since);
                let recent: i64 = query.build_query_scalar().fetch_one(&mut *tx).await?;
                if recent > 0 {
                    return Ok(false);
                }
                let mut query = Builder::new(
                    "INSERT INTO optin_confirmations (id, person_id, site, purpose, language, state, \
                     created_at, expires_at) ",
                );
                query.push_values([asked], |mut values, a| {
                    values
                        .push_bind(a.id.clone())
                        .push_bind(a.person_id.clone())
                        .push_bind(a.site.clone())
                        .push_bind(a.purpose.clone())
                        .push_bind(a.language.clone())
                        .push_bind("pending")
                        .push_bind(now)
                        .push_bind(a.expires_at);
                });
                query.build().execute(&mut *tx).await?;
                let mut query = Builder::new(
                    "INSERT INTO mail_outbox (id, site, person_id, kind, reference, language, state, \
                     created_at, due_at) ",
                );
                query.push_values([asked], |mut values, a| {
                    values
                        .push_bind(a.mail_id.clone())
                        .push_bind(a.site.clone())
                        .push_bind(a.person_id.clone())
                        .push_bind("confirmation")
                        .push_bind(a.id.clone())
                        .push_bind(a.language.clone())
                        .push_bind("queued")
                        .push_bind(now)
                        .push_bind(now);
                });
                query.build().execute(&mut *tx).await?;
                let detail = ::serde_json::json!({"site": asked.site, "purpose": asked.purpose});
                let mut query = Builder::new(
                    "INSERT INTO contact_history (person_id, at, actor, action, detail) ",
                );
                query.push_values([()], |mut values, ()| {
                    values
                        .push_bind(asked.person_id.clone())
                        .push_bind(now)
                        .push_bind("preference-centre")
                        .push_bind("optin.asked")
                        .push_bind(detail.to_string());
                });
                query.build().execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn queue_mail(
                &self,
                mail: &NewMail,
                now: i64,
                unless_since: i64,
            ) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let mut query = Builder::new("SELECT COUNT(*) FROM mail_outbox WHERE person_id = ");
                query
                    .push_bind(mail.person_id.clone())
                    .push(" AND kind = ")
                    .push_bind(mail.kind.clone())
                    .push(" AND created_at >= ")
                    .push_bind(unless_since);
                let recent: i64 = query.build_query_scalar().fetch_one(&mut *tx).await?;
                if recent > 0 {
                    return Ok(false);
                }
                $crate::store::queue_outbox_row::<$db>(mail, now)
                    .build()
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn opt_in_standing(
                &self,
                person_id: &str,
                site: &str,
                purpose: &str,
                now: i64,
                mailed_since: i64,
            ) -> Result<OptInStanding, StoreError> {
                let mut query = Builder::new("SELECT COUNT(*) FROM contact_consent_state s WHERE s.person_id = ");
                query
                    .push_bind(person_id.to_owned())
                    .push(" AND s.site = ")
                    .push_bind(site.to_owned())
                    .push(" AND s.purpose = ")
                    .push_bind(purpose.to_owned())
                    .push(" AND s.decision = 'granted' AND s.expires_at > ")
                    .push_bind(now)
                    .push(" AND NOT ")
                    .push(HOLD_EXISTS);
                let processable: i64 = query.build_query_scalar().fetch_one(&self.pool).await?;
                let mut query = Builder::new("SELECT COUNT(*) FROM optin_confirmations WHERE person_id = ");
                query
                    .push_bind(person_id.to_owned())
                    .push(" AND site = ")
                    .push_bind(site.to_owned())
                    .push(" AND purpose = ")
                    .push_bind(purpose.to_owned())
                    .push(" AND state = 'pending' AND created_at >= ")
                    .push_bind(mailed_since);
                let recent: i64 = query.build_query_scalar().fetch_one(&self.pool).await?;
                Ok(OptInStanding {
                    processable: processable > 0,
                    recently_mailed: recent > 0,
                })
            }

            async fn confirmation(
                &self,
                id: &str,
            ) -> Result<Option<StoredConfirmation>, StoreError> {
                let mut query = Builder::new(format!(
                    "SELECT {CONFIRMATION_COLUMNS} FROM optin_confirmations WHERE id = "
                ));
                query.push_bind(id.to_owned());
                let row = query.build().fetch_optional(&self.pool).await?;
                row.as_ref().map(confirmation_row).transpose()
            }

            async fn cancel_confirmations(
                &self,
                person_id: &str,
                site: &str,
                purpose: &str,
                now: i64,
            ) -> Result<u64, StoreError> {
                let mut query = Builder::new(
                    "UPDATE optin_confirmations SET state = 'expired', guardian_key_id = NULL, \
                     guardian_sealed = NULL, settled_at = ",
                );
                query
                    .push_bind(now)
                    .push(" WHERE state = 'pending' AND person_id = ")
                    .push_bind(person_id.to_owned())
                    .push(" AND site = ")
                    .push_bind(site.to_owned())
                    .push(" AND purpose = ")
                    .push_bind(purpose.to_owned());
                Ok(query.build().execute(&self.pool).await?.rows_affected())
            }

            async fn guardian_waiting(
                &self,
                person_id: &str,
                site: &str,
                purpose: &str,
            ) -> Result<bool, StoreError> {
                let mut query = Builder::new(
                    "SELECT id FROM optin_confirmations WHERE state = 'pending' \
                     AND guardian_sealed IS NOT NULL AND person_id = ",
                );
                query
                    .push_bind(person_id.to_owned())
                    .push(" AND site = ")
                    .push_bind(site.to_owned())
                    .push(" AND purpose = ")
                    .push_bind(purpose.to_owned())
                    .push(" LIMIT 1");
                let found: Option<String> =
                    query.build_query_scalar().fetch_optional(&self.pool).await?;
                Ok(found.is_some())
            }

            async fn confirm_opt_in(
                &self,
                id: &str,
                receipt_id: &str,
                now: i64,
            ) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let mut query = Builder::new(format!(
                    "SELECT {CONFIRMATION_COLUMNS} FROM optin_confirmations WHERE id = "
                ));
                query.push_bind(id.to_owned());
                let Some(row) = query.build().fetch_optional(&mut *tx).await? else {
                    return Ok(false);
                };
                let confirmation = confirmation_row(&row)?;
                if confirmation.state != "pending" {
                    return Ok(false);
                }
                settle_pending(
                    &mut tx,
                    &confirmation.person_id,
                    &confirmation.site,
                    &confirmation.purpose,
                    receipt_id,
                    Some(id),
                    now,
                    "mailbox",
                )
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn expire_confirmations(&self, now: i64) -> Result<u64, StoreError> {
                let mut tx = self.begin_write().await?;
                let mut query = Builder::new(format!(
                    "SELECT {CONFIRMATION_COLUMNS} FROM optin_confirmations \
                     WHERE state = 'pending' AND expires_at <= "
                ));
                query.push_bind(now);
                let rows = query.build().fetch_all(&mut *tx).await?;
                let expired = rows.iter().map(confirmation_row).collect::<Result<Vec<_>, _>>()?;
                for confirmation in &expired {
                    let mut query = Builder::new(
                        "UPDATE optin_confirmations SET state = 'expired', guardian_key_id = NULL, \
                         guardian_sealed = NULL, settled_at = ",
                    );
                    query
                        .push_bind(now)
                        .push(" WHERE state = 'pending' AND id = ")
                        .push_bind(confirmation.id.clone());
                    query.build().execute(&mut *tx).await?;
                    let detail = ::serde_json::json!({
                        "site": confirmation.site, "purpose": confirmation.purpose,
                        "formReceipt": confirmation.form_receipt,
                        "expiredAt": confirmation.expires_at,
                    });
                    let mut query = Builder::new(
                        "INSERT INTO contact_history (person_id, at, actor, action, detail) ",
                    );
                    query.push_values([()], |mut values, ()| {
                        values
                            .push_bind(confirmation.person_id.clone())
                            .push_bind(now)
                            .push_bind("collector")
                            .push_bind("optin.expired")
                            .push_bind(detail.to_string());
                    });
                    query.build().execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(expired.len() as u64)
            }

            async fn claim_mail(
                &self,
                now: i64,
                lease_until: i64,
                limit: u32,
            ) -> Result<Vec<OutboxMail>, StoreError> {
                let mut query =
                    $crate::store::claim_outbox::<$db>("mail_outbox", now, lease_until, limit);
                query.push(" RETURNING id, site, person_id, kind, reference, language, attempts, created_at");
                let rows = query.build().fetch_all(&self.pool).await?;
                let mut mails = rows
                    .iter()
                    .map(|row| {
                        Ok(OutboxMail {
                            id: row.try_get("id")?,
                            site: row.try_get("site")?,
                            person_id: row.try_get("person_id")?,
                            kind: row.try_get("kind")?,
                            reference: row.try_get("reference")?,
                            language: row.try_get("language")?,
                            attempts: row.try_get("attempts")?,
                            created_at: row.try_get("created_at")?,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                mails.sort_by_key(|mail| mail.created_at);
                Ok(mails)
            }

            async fn record_mail_attempt(
                &self,
                id: &str,
                lease_until: i64,
                now: i64,
                outcome: MailOutcome,
                detail: &str,
            ) -> Result<bool, StoreError> {
                let mut tx = self.pool.begin().await?;
                let attempt = match outcome {
                    MailOutcome::Sent => $crate::store::Attempt::Done,
                    MailOutcome::Deferred { due_at } => $crate::store::Attempt::Retry(due_at),
                    MailOutcome::Failed => $crate::store::Attempt::GiveUp,
                };
                let mut query = $crate::store::settle_outbox::<$db>(
                    "mail_outbox",
                    ("sent", "sent_at"),
                    id,
                    lease_until,
                    now,
                    attempt,
                );
                if query.build().execute(&mut *tx).await?.rows_affected() == 0 {
                    return Ok(false);
                }
                let mut query = Builder::new("INSERT INTO mail_log (mail_id, at, outcome, detail) ");
                query.push_values([()], |mut values, ()| {
                    values
                        .push_bind(id.to_owned())
                        .push_bind(now)
                        .push_bind(outcome.as_str())
                        .push_bind(detail.to_owned());
                });
                query.build().execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn mail_log(&self, person_id: &str) -> Result<Vec<MailLogEntry>, StoreError> {
                let mut query = Builder::new(
                    "SELECT l.mail_id, l.at, l.outcome, l.detail FROM mail_log l \
                     JOIN mail_outbox m ON m.id = l.mail_id WHERE m.person_id = ",
                );
                query.push_bind(person_id.to_owned()).push(" ORDER BY l.sequence");
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|row| {
                        Ok(MailLogEntry {
                            mail_id: row.try_get("mail_id")?,
                            at: row.try_get("at")?,
                            outcome: row.try_get("outcome")?,
                            detail: row.try_get("detail")?,
                        })
                    })
                    .collect()
            }

            async fn outbox_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
                let rows = ::sqlx::query("SELECT state, COUNT(*) AS n FROM mail_outbox GROUP BY state ORDER BY state")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|row| Ok((row.try_get("state")?, row.try_get("n")?)))
                    .collect()
            }

            async fn confirmation_counts(
                &self,
                site: &str,
                from: i64,
                to: i64,
            ) -> Result<Vec<(String, String, i64)>, StoreError> {
                // Only a form's sign-ups: the preference centre's asks are not a form's.
                let mut query = Builder::new(
                    "SELECT purpose, state, COUNT(*) AS n FROM optin_confirmations \
                     WHERE form_receipt IS NOT NULL AND site = ",
                );
                query
                    .push_bind(site.to_owned())
                    .push(" AND created_at >= ")
                    .push_bind(from)
                    .push(" AND created_at < ")
                    .push_bind(to)
                    .push(" GROUP BY purpose, state ORDER BY purpose, state");
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            row.try_get("purpose")?,
                            row.try_get("state")?,
                            row.try_get("n")?,
                        ))
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use mail_sql;
