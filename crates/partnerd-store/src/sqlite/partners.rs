//! Partners, apps, users, partner links, signing keys and secrets on SQLite.

use async_trait::async_trait;
use rusqlite::{params, OptionalExtension};

use super::rows::{self, APP_COLUMNS, PARTNER_COLUMNS, USER_COLUMNS};
use super::{map_err, SqliteStore};
use crate::error::{StoreError, StoreResult};
use crate::ids::*;
use crate::model::*;
use crate::{KeyStore, PartnerStore};

#[async_trait]
impl PartnerStore for SqliteStore {
    async fn create_partner(&self, new: NewPartner) -> StoreResult<()> {
        self.write(move |tx| {
            let p = &new.partner;
            tx.execute(
                "INSERT INTO partners (tenant_id, name, mpn_id, kind, customer_cap, domain) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![p.tenant_id, p.name, p.mpn_id, p.kind.as_str(), p.customer_cap, p.domain.to_lowercase()],
            )
            .map_err(map_err)?;
            for a in &new.apps {
                tx.execute(
                    "INSERT INTO apps (client_id, tenant_id, name, secret_hash) VALUES (?1, ?2, ?3, ?4)",
                    params![a.client_id, p.tenant_id, a.name, a.secret_hash],
                )
                .map_err(map_err)?;
            }
            for u in &new.users {
                tx.execute(
                    "INSERT INTO users (object_id, tenant_id, upn, upn_fold, password_hash, mfa) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![u.object_id, p.tenant_id, u.upn, u.upn.to_lowercase(), u.password_hash, u.mfa],
                )
                .map_err(map_err)?;
            }
            for code in &new.validation_codes {
                super::lifecycle::put_code(tx, &p.tenant_id, code)?;
            }
            Ok(())
        })
        .await
    }

    async fn partner(&self, tenant_id: &TenantId) -> StoreResult<Option<PartnerRecord>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {PARTNER_COLUMNS} FROM partners WHERE tenant_id = ?1"
            ))
            .and_then(|mut s| s.query_row([tenant_id], rows::partner).optional())
            .map_err(map_err)
        })
    }

    async fn partner_by_domain(&self, domain: &str) -> StoreResult<Option<PartnerRecord>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {PARTNER_COLUMNS} FROM partners WHERE domain = ?1"
            ))
            .and_then(|mut s| {
                s.query_row([domain.to_lowercase()], rows::partner)
                    .optional()
            })
            .map_err(map_err)
        })
    }

    async fn partner_count(&self) -> StoreResult<u64> {
        self.read(|c| {
            c.query_row("SELECT COUNT(*) FROM partners", [], |r| r.get(0))
                .map_err(map_err)
        })
    }

    async fn first_partner(&self) -> StoreResult<Option<PartnerRecord>> {
        self.read(|c| {
            c.query_row(
                &format!("SELECT {PARTNER_COLUMNS} FROM partners ORDER BY seq LIMIT 1"),
                [],
                rows::partner,
            )
            .optional()
            .map_err(map_err)
        })
    }

    async fn app(&self, client_id: &ClientId) -> StoreResult<Option<AppRecord>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {APP_COLUMNS} FROM apps WHERE client_id = ?1"
            ))
            .and_then(|mut s| s.query_row([client_id], rows::app).optional())
            .map_err(map_err)
        })
    }

    async fn apps_of(&self, tenant_id: &TenantId) -> StoreResult<Vec<AppRecord>> {
        self.read(|c| {
            let mut s = c
                .prepare_cached(&format!(
                    "SELECT {APP_COLUMNS} FROM apps WHERE tenant_id = ?1 ORDER BY rowid"
                ))
                .map_err(map_err)?;
            let rows = s.query_map([tenant_id], rows::app).map_err(map_err)?;
            rows.collect::<Result<_, _>>().map_err(map_err)
        })
    }

    async fn user_by_upn(&self, upn: &str) -> StoreResult<Option<UserRecord>> {
        self.read(|c| {
            c.prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE upn_fold = ?1"
            ))
            .and_then(|mut s| s.query_row([upn.to_lowercase()], rows::user).optional())
            .map_err(map_err)
        })
    }

    async fn users_of(&self, tenant_id: &TenantId) -> StoreResult<Vec<UserRecord>> {
        self.read(|c| {
            let mut s = c
                .prepare_cached(&format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = ?1 ORDER BY rowid"
                ))
                .map_err(map_err)?;
            let rows = s.query_map([tenant_id], rows::user).map_err(map_err)?;
            rows.collect::<Result<_, _>>().map_err(map_err)
        })
    }

    async fn principal(
        &self,
        tenant_id: &TenantId,
        client_id: &ClientId,
        user_id: Option<&UserId>,
    ) -> StoreResult<Option<Principal>> {
        // One statement, so one read transaction: this runs on every API request.
        let sql = "SELECT p.tenant_id, p.name, p.mpn_id, p.kind, p.customer_cap, p.domain, \
                   EXISTS (SELECT 1 FROM apps a WHERE a.client_id = ?2 AND a.tenant_id = p.tenant_id), \
                   u.object_id, u.tenant_id, u.upn, u.password_hash, u.mfa \
                   FROM partners p LEFT JOIN users u ON u.object_id = ?3 AND u.tenant_id = p.tenant_id \
                   WHERE p.tenant_id = ?1";
        self.read(|c| {
            c.prepare_cached(sql)
                .and_then(|mut s| {
                    s.query_row(params![tenant_id, client_id, user_id], |r| {
                        let partner = rows::partner(r)?;
                        let app_known: bool = r.get(6)?;
                        let object_id: Option<UserId> = r.get(7)?;
                        let user = match object_id {
                            Some(object_id) => Some(UserRecord {
                                object_id,
                                tenant_id: r.get(8)?,
                                upn: r.get(9)?,
                                password_hash: r.get(10)?,
                                mfa: r.get(11)?,
                            }),
                            None => None,
                        };
                        Ok(Principal {
                            partner,
                            app_known,
                            user,
                        })
                    })
                    .optional()
                })
                .map_err(map_err)
        })
    }

    async fn set_app_secret(&self, client_id: &ClientId, secret_hash: &str) -> StoreResult<bool> {
        let (client_id, hash) = (client_id.to_owned(), secret_hash.to_owned());
        self.write(move |tx| {
            let n = tx
                .execute(
                    "UPDATE apps SET secret_hash = ?2 WHERE client_id = ?1",
                    params![client_id, hash],
                )
                .map_err(map_err)?;
            Ok(n > 0)
        })
        .await
    }

    async fn set_user_password(
        &self,
        object_id: &UserId,
        password_hash: &str,
    ) -> StoreResult<bool> {
        let (object_id, hash) = (object_id.to_owned(), password_hash.to_owned());
        self.write(move |tx| {
            let n = tx
                .execute(
                    "UPDATE users SET password_hash = ?2 WHERE object_id = ?1",
                    params![object_id, hash],
                )
                .map_err(map_err)?;
            Ok(n > 0)
        })
        .await
    }

    async fn delete_app(&self, client_id: &ClientId) -> StoreResult<bool> {
        let client_id = client_id.to_owned();
        self.write(move |tx| {
            let n = tx
                .execute("DELETE FROM apps WHERE client_id = ?1", [&client_id])
                .map_err(map_err)?;
            Ok(n > 0)
        })
        .await
    }

    async fn delete_user(&self, object_id: &UserId) -> StoreResult<bool> {
        let object_id = object_id.to_owned();
        self.write(move |tx| {
            let n = tx
                .execute("DELETE FROM users WHERE object_id = ?1", [&object_id])
                .map_err(map_err)?;
            Ok(n > 0)
        })
        .await
    }

    async fn link_partners(&self, provider: &TenantId, reseller: &TenantId) -> StoreResult<()> {
        let (provider, reseller) = (provider.to_owned(), reseller.to_owned());
        self.write(move |tx| {
            for id in [provider.as_str(), reseller.as_str()] {
                let exists = tx
                    .prepare_cached("SELECT 1 FROM partners WHERE tenant_id = ?1")
                    .and_then(|mut s| s.exists([id]))
                    .map_err(map_err)?;
                if !exists {
                    return Err(StoreError::UnknownPartner(id.to_owned()));
                }
            }
            tx.execute(
                "INSERT OR IGNORE INTO partner_links (provider_id, reseller_id) VALUES (?1, ?2)",
                params![provider, reseller],
            )
            .map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn partner_links(&self, tenant_id: &TenantId) -> StoreResult<Vec<PartnerLink>> {
        self.read(|c| {
            let cols = PARTNER_COLUMNS
                .split(", ")
                .map(|col| format!("p.{col}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT {cols}, 'reseller' FROM partner_links l JOIN partners p ON p.tenant_id = l.reseller_id WHERE l.provider_id = ?1 \
                 UNION ALL \
                 SELECT {cols}, 'provider' FROM partner_links l JOIN partners p ON p.tenant_id = l.provider_id WHERE l.reseller_id = ?1 \
                 ORDER BY 1"
            );
            let mut s = c.prepare_cached(&sql).map_err(map_err)?;
            let rows = s
                .query_map([tenant_id], |r| {
                    let other = rows::partner(r)?;
                    let dir: String = r.get(6)?;
                    Ok(PartnerLink {
                        other,
                        direction: if dir == "reseller" {
                            LinkDirection::OtherIsReseller
                        } else {
                            LinkDirection::OtherIsProvider
                        },
                    })
                })
                .map_err(map_err)?;
            rows.collect::<Result<_, _>>().map_err(map_err)
        })
    }
}

#[async_trait]
impl KeyStore for SqliteStore {
    async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>> {
        self.read(|c| {
            let mut s = c
                .prepare_cached("SELECT kid, private_pem, created_at FROM signing_keys WHERE retired = 0 ORDER BY created_at DESC, rowid DESC")
                .map_err(map_err)?;
            let rows = s
                .query_map([], |r| {
                    Ok(SigningKeyRecord {
                        kid: r.get(0)?,
                        private_pem: r.get(1)?,
                        created_at: r.get(2)?,
                    })
                })
                .map_err(map_err)?;
            rows.collect::<Result<_, _>>().map_err(map_err)
        })
    }

    async fn add_signing_key(&self, key: SigningKeyRecord) -> StoreResult<()> {
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO signing_keys (kid, private_pem, created_at) VALUES (?1, ?2, ?3)",
                params![key.kid, key.private_pem, key.created_at],
            )
            .map_err(map_err)?;
            Ok(())
        })
        .await
    }

    async fn retire_signing_key(&self, kid: &str) -> StoreResult<bool> {
        let kid = kid.to_owned();
        self.write(move |tx| {
            let n = tx
                .execute(
                    "UPDATE signing_keys SET retired = 1 WHERE kid = ?1 AND retired = 0 \
                     AND (SELECT count(*) FROM signing_keys WHERE retired = 0) > 1",
                    [kid],
                )
                .map_err(map_err)?;
            Ok(n > 0)
        })
        .await
    }

    async fn secret(&self, name: &str, candidate: &[u8]) -> StoreResult<Vec<u8>> {
        let (name, candidate) = (name.to_owned(), candidate.to_vec());
        self.write(move |tx| {
            tx.execute(
                "INSERT OR IGNORE INTO secrets (name, value) VALUES (?1, ?2)",
                params![name, candidate],
            )
            .map_err(map_err)?;
            tx.query_row("SELECT value FROM secrets WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .map_err(map_err)
        })
        .await
    }
}
