//! The SQL of [`IntegrationStore`](super::integrations::IntegrationStore), for both backends,
//! stamped out per backend in `<backend>/integrations.rs`.

/// `impl IntegrationStore for $store`, on database `$db`; `$store` has `pool` and `begin_write()`.
macro_rules! integrations_sql {
    ($store:ty, $db:ident) => {
        use ::async_trait::async_trait;
        use ::sqlx::{QueryBuilder, Row as _};

        use $crate::store::integrations::{
            DeliveryLogEntry, DeliveryOutcome, DueDelivery, IntegrationStore, StoredWebhook,
        };
        use $crate::store::{StoreError, StoredVaultKey};

        type Builder = QueryBuilder<$db>;

        const WEBHOOK_COLUMNS: &str =
            "w.id, w.site, w.url, w.key_id, w.sealed_secret, w.created_at, w.removed_at";

        fn webhook_row(row: &<$db as ::sqlx::Database>::Row) -> Result<StoredWebhook, StoreError> {
            Ok(StoredWebhook {
                id: row.try_get("id")?,
                site: row.try_get("site")?,
                url: row.try_get("url")?,
                sealed_secret: StoredVaultKey {
                    key_id: row.try_get("key_id")?,
                    wrapped: row.try_get("sealed_secret")?,
                },
                created_at: row.try_get("created_at")?,
                removed_at: row.try_get("removed_at")?,
            })
        }

        #[async_trait]
        impl IntegrationStore for $store {
            async fn crm_event(&self, key: &str) -> Result<Option<(String, String)>, StoreError> {
                let mut query = Builder::new("SELECT request_sha256, outcome FROM crm_events WHERE event_id = ");
                query.push_bind(key.to_owned());
                let row = query.build().fetch_optional(&self.pool).await?;
                row.map(|row| Ok((row.try_get("request_sha256")?, row.try_get("outcome")?)))
                    .transpose()
            }

            async fn record_crm_event(
                &self,
                key: &str,
                request_sha256: &str,
                outcome: &str,
                now: i64,
            ) -> Result<(), StoreError> {
                let mut query = Builder::new("INSERT INTO crm_events (event_id, request_sha256, outcome, at) ");
                query.push_values([()], |mut values, ()| {
                    values
                        .push_bind(key.to_owned())
                        .push_bind(request_sha256.to_owned())
                        .push_bind(outcome.to_owned())
                        .push_bind(now);
                });
                query.push(" ON CONFLICT (event_id) DO NOTHING");
                query.build().execute(&self.pool).await?;
                Ok(())
            }

            async fn insert_webhook(&self, webhook: &StoredWebhook) -> Result<(), StoreError> {
                let mut query = Builder::new(
                    "INSERT INTO webhooks (id, site, url, key_id, sealed_secret, created_at) ",
                );
                query.push_values([webhook], |mut values, w| {
                    values
                        .push_bind(w.id.clone())
                        .push_bind(w.site.clone())
                        .push_bind(w.url.clone())
                        .push_bind(w.sealed_secret.key_id.clone())
                        .push_bind(w.sealed_secret.wrapped.clone())
                        .push_bind(w.created_at);
                });
                query.build().execute(&self.pool).await?;
                Ok(())
            }

            async fn webhooks(&self, site: &str) -> Result<Vec<StoredWebhook>, StoreError> {
                let mut query = Builder::new(format!(
                    "SELECT {WEBHOOK_COLUMNS} FROM webhooks w WHERE w.site = "
                ));
                query.push_bind(site.to_owned()).push(" ORDER BY w.created_at, w.id");
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter().map(webhook_row).collect()
            }

            async fn remove_webhook(&self, id: &str, now: i64) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let mut query = Builder::new("UPDATE webhooks SET removed_at = ");
                query
                    .push_bind(now)
                    .push(" WHERE removed_at IS NULL AND id = ")
                    .push_bind(id.to_owned());
                let removed = query.build().execute(&mut *tx).await?.rows_affected() > 0;
                let mut query = Builder::new(
                    "UPDATE webhook_deliveries SET state = 'failed' WHERE state = 'queued' AND webhook_id = ",
                );
                query.push_bind(id.to_owned());
                query.build().execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(removed)
            }

            async fn claim_deliveries(
                &self,
                now: i64,
                lease_until: i64,
                limit: u32,
            ) -> Result<Vec<DueDelivery>, StoreError> {
                let mut query = $crate::store::claim_outbox::<$db>(
                    "webhook_deliveries",
                    now,
                    lease_until,
                    limit,
                );
                query.push(" RETURNING id");
                let ids: Vec<String> = query.build_query_scalar().fetch_all(&self.pool).await?;
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut query = Builder::new(format!(
                    "SELECT d.id AS delivery_id, d.event_id, d.person_id, d.payload, d.attempts, \
                     d.created_at AS queued_at, {WEBHOOK_COLUMNS} FROM webhook_deliveries d \
                     JOIN webhooks w ON w.id = d.webhook_id WHERE d.id IN ("
                ));
                let mut list = query.separated(", ");
                for id in &ids {
                    list.push_bind(id.clone());
                }
                list.push_unseparated(") ORDER BY d.created_at, d.event_id");
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|row| {
                        Ok(DueDelivery {
                            id: row.try_get("delivery_id")?,
                            webhook: webhook_row(row)?,
                            event_id: row.try_get("event_id")?,
                            person_id: row.try_get("person_id")?,
                            payload: row.try_get("payload")?,
                            attempts: row.try_get("attempts")?,
                        })
                    })
                    .collect()
            }

            async fn record_delivery(
                &self,
                id: &str,
                lease_until: i64,
                now: i64,
                outcome: DeliveryOutcome,
                status: Option<i64>,
                detail: &str,
            ) -> Result<bool, StoreError> {
                let mut tx = self.pool.begin().await?;
                let attempt = match outcome {
                    DeliveryOutcome::Delivered => $crate::store::Attempt::Done,
                    DeliveryOutcome::Deferred { due_at } => $crate::store::Attempt::Retry(due_at),
                    DeliveryOutcome::Failed => $crate::store::Attempt::GiveUp,
                };
                let mut query = $crate::store::settle_outbox::<$db>(
                    "webhook_deliveries",
                    ("delivered", "delivered_at"),
                    id,
                    lease_until,
                    now,
                    attempt,
                );
                if query.build().execute(&mut *tx).await?.rows_affected() == 0 {
                    return Ok(false);
                }
                let mut query = Builder::new(
                    "INSERT INTO webhook_log (delivery_id, at, outcome, status, detail) ",
                );
                query.push_values([()], |mut values, ()| {
                    values
                        .push_bind(id.to_owned())
                        .push_bind(now)
                        .push_bind(outcome.as_str())
                        .push_bind(status)
                        .push_bind(detail.to_owned());
                });
                query.build().execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn delivery_log(
                &self,
                webhook_id: &str,
                limit: u32,
            ) -> Result<Vec<DeliveryLogEntry>, StoreError> {
                let mut query = Builder::new(
                    "SELECT d.event_id, l.at, l.outcome, l.status, l.detail FROM webhook_log l \
                     JOIN webhook_deliveries d ON d.id = l.delivery_id WHERE d.webhook_id = ",
                );
                query
                    .push_bind(webhook_id.to_owned())
                    .push(" ORDER BY l.sequence DESC LIMIT ")
                    .push_bind(i64::from(limit));
                let rows = query.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|row| {
                        Ok(DeliveryLogEntry {
                            event_id: row.try_get("event_id")?,
                            at: row.try_get("at")?,
                            outcome: row.try_get("outcome")?,
                            status: row.try_get("status")?,
                            detail: row.try_get("detail")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

pub(crate) use integrations_sql;
