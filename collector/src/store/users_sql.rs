//! The SQL of [`UserStore`](super::users::UserStore), for both backends, stamped out per backend
//! in `<backend>/users.rs`.

/// `impl UserStore for $store`, on database `$db`; `$store` has `pool`.
macro_rules! users_sql {
    ($store:ty, $db:ident) => {
        use ::async_trait::async_trait;
        use ::sqlx::{QueryBuilder, Row as _};

        use $crate::store::StoreError;
        use $crate::store::users::{StoredSession, StoredUser, UserStore};

        type Builder = QueryBuilder<$db>;

        const USER_COLUMNS: &str = "id, email, role, password_hash, created_at, disabled_at";
        const SESSION_COLUMNS: &str =
            "token_hash, user_id, created_at, expires_at, last_seen, revoked_at";

        fn user_row(row: &<$db as ::sqlx::Database>::Row) -> Result<StoredUser, StoreError> {
            Ok(StoredUser {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                role: row.try_get("role")?,
                password_hash: row.try_get("password_hash")?,
                created_at: row.try_get("created_at")?,
                disabled_at: row.try_get("disabled_at")?,
            })
        }

        fn session_row(row: &<$db as ::sqlx::Database>::Row) -> Result<StoredSession, StoreError> {
            Ok(StoredSession {
                token_hash: row.try_get("token_hash")?,
                user_id: row.try_get("user_id")?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
                last_seen: row.try_get("last_seen")?,
                revoked_at: row.try_get("revoked_at")?,
            })
        }

        async fn one_user(
            pool: &::sqlx::Pool<$db>,
            column: &str,
            value: &str,
        ) -> Result<Option<StoredUser>, StoreError> {
            let mut query = Builder::new(format!(
                "SELECT {USER_COLUMNS} FROM users WHERE {column} = "
            ));
            query.push_bind(value.to_owned());
            let row = query.build().fetch_optional(pool).await?;
            row.as_ref().map(user_row).transpose()
        }

        #[async_trait]
        impl UserStore for $store {
            async fn insert_user(&self, user: &StoredUser) -> Result<(), StoreError> {
                let mut query = Builder::new(format!("INSERT INTO users ({USER_COLUMNS}) "));
                query.push_values([user], |mut values, u| {
                    values
                        .push_bind(u.id.clone())
                        .push_bind(u.email.clone())
                        .push_bind(u.role.clone())
                        .push_bind(u.password_hash.clone())
                        .push_bind(u.created_at)
                        .push_bind(u.disabled_at);
                });
                query.push(" ON CONFLICT (email) DO NOTHING");
                let inserted = query.build().execute(&self.pool).await?.rows_affected();
                if inserted == 0 {
                    return Err(StoreError::IdentifierTaken("email".into()));
                }
                Ok(())
            }

            async fn user(&self, id: &str) -> Result<Option<StoredUser>, StoreError> {
                one_user(&self.pool, "id", id).await
            }

            async fn user_by_email(&self, email: &str) -> Result<Option<StoredUser>, StoreError> {
                one_user(&self.pool, "email", email).await
            }

            async fn users(&self) -> Result<Vec<StoredUser>, StoreError> {
                let rows = Builder::new(format!("SELECT {USER_COLUMNS} FROM users ORDER BY email"))
                    .build()
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(user_row).collect()
            }

            async fn disable_user(&self, id: &str, at: i64) -> Result<bool, StoreError> {
                let mut tx = self.pool.begin().await?;
                let mut query = Builder::new("UPDATE users SET disabled_at = ");
                query
                    .push_bind(at)
                    .push(" WHERE disabled_at IS NULL AND id = ")
                    .push_bind(id.to_owned());
                let disabled = query.build().execute(&mut *tx).await?.rows_affected() > 0;
                let mut query = Builder::new("UPDATE sessions SET revoked_at = ");
                query
                    .push_bind(at)
                    .push(" WHERE revoked_at IS NULL AND user_id = ")
                    .push_bind(id.to_owned());
                query.build().execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(disabled)
            }

            async fn insert_session(&self, session: &StoredSession) -> Result<(), StoreError> {
                let mut query = Builder::new(format!("INSERT INTO sessions ({SESSION_COLUMNS}) "));
                query.push_values([session], |mut values, s| {
                    values
                        .push_bind(s.token_hash.clone())
                        .push_bind(s.user_id.clone())
                        .push_bind(s.created_at)
                        .push_bind(s.expires_at)
                        .push_bind(s.last_seen)
                        .push_bind(s.revoked_at);
                });
                query.build().execute(&self.pool).await?;
                Ok(())
            }

            async fn live_session(
                &self,
                token_hash: &str,
                now: i64,
                idle_since: i64,
            ) -> Result<Option<(StoredSession, StoredUser)>, StoreError> {
                let mut query = Builder::new("UPDATE sessions SET last_seen = ");
                query
                    .push_bind(now)
                    .push(" WHERE revoked_at IS NULL AND token_hash = ")
                    .push_bind(token_hash.to_owned())
                    .push(" AND expires_at > ")
                    .push_bind(now)
                    .push(" AND last_seen >= ")
                    .push_bind(idle_since)
                    .push(format!(" RETURNING {SESSION_COLUMNS}"));
                let Some(row) = query.build().fetch_optional(&self.pool).await? else {
                    return Ok(None);
                };
                let session = session_row(&row)?;
                match one_user(&self.pool, "id", &session.user_id).await? {
                    Some(user) if user.disabled_at.is_none() => Ok(Some((session, user))),
                    _ => Ok(None),
                }
            }

            async fn revoke_session(&self, token_hash: &str, at: i64) -> Result<bool, StoreError> {
                let mut query = Builder::new("UPDATE sessions SET revoked_at = ");
                query
                    .push_bind(at)
                    .push(" WHERE revoked_at IS NULL AND token_hash = ")
                    .push_bind(token_hash.to_owned());
                Ok(query.build().execute(&self.pool).await?.rows_affected() > 0)
            }

            async fn revoke_sessions_of(&self, user_id: &str, at: i64) -> Result<u64, StoreError> {
                let mut query = Builder::new("UPDATE sessions SET revoked_at = ");
                query
                    .push_bind(at)
                    .push(" WHERE revoked_at IS NULL AND user_id = ")
                    .push_bind(user_id.to_owned());
                Ok(query.build().execute(&self.pool).await?.rows_affected())
            }

            async fn record_sign_in_failure(
                &self,
                email_hash: &str,
                at: i64,
                since: i64,
                forget_before: i64,
            ) -> Result<u64, StoreError> {
                let mut tx = self.pool.begin().await?;
                let mut query = Builder::new("DELETE FROM sign_in_failures WHERE at < ");
                query.push_bind(forget_before);
                query.build().execute(&mut *tx).await?;
                let mut query = Builder::new("INSERT INTO sign_in_failures (email_hash, at) ");
                query.push_values([()], |mut values, ()| {
                    values.push_bind(email_hash.to_owned()).push_bind(at);
                });
                query.build().execute(&mut *tx).await?;
                let mut query =
                    Builder::new("SELECT COUNT(*) FROM sign_in_failures WHERE email_hash = ");
                query
                    .push_bind(email_hash.to_owned())
                    .push(" AND at >= ")
                    .push_bind(since);
                let count: i64 = query.build_query_scalar().fetch_one(&mut *tx).await?;
                tx.commit().await?;
                Ok(u64::try_from(count).unwrap_or_default())
            }

            async fn sign_in_failures(
                &self,
                email_hash: &str,
                since: i64,
            ) -> Result<u64, StoreError> {
                let mut query =
                    Builder::new("SELECT COUNT(*) FROM sign_in_failures WHERE email_hash = ");
                query
                    .push_bind(email_hash.to_owned())
                    .push(" AND at >= ")
                    .push_bind(since);
                let count: i64 = query.build_query_scalar().fetch_one(&self.pool).await?;
                Ok(u64::try_from(count).unwrap_or_default())
            }

            async fn clear_sign_in_failures(&self, email_hash: &str) -> Result<(), StoreError> {
                let mut query = Builder::new("DELETE FROM sign_in_failures WHERE email_hash = ");
                query.push_bind(email_hash.to_owned());
                query.build().execute(&self.pool).await?;
                Ok(())
            }
        }
    };
}

pub(crate) use users_sql;
