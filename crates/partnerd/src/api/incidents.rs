//! Service incidents: `GET /v1/serviceincidents/office[?filter=…]` (grouped per workload, as
//! every SDK reads it), `GET /v1/serviceincidents/office/count` (a bare integer) and
//! `GET /v1/customers/{id}/serviceincidents/office`. App-only or app+user (undocumented
//! operations). Incidents and message-center posts are server-wide documents, managed through
//! the control plane (`/_partnerd/serviceincidents`); a new database is seeded with a few.

use std::collections::BTreeMap;

use axum::extract::{RawQuery, State};
use partnerd_store::CustomerId;
use partnerd_wire::{
    IncidentMessage, ResourceCollection, ResourceLinks, ServiceIncidentDetail, ServiceIncidents,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::customers::related;
use crate::clock::{iso_timestamp, parse_iso};
use crate::http::error::{ApiError, ApiResult};
use crate::http::params::{query_param, PathId};
use crate::http::reply::{Format, Reply};
use crate::http::Caller;
use crate::routes::openapi::Body;
use crate::routes::Route;
use crate::state::AppState;

/// The document kind incidents are stored under.
pub const KIND: &str = "service_incident";

/// An incident as stored: the wire detail, and the customers it touches (none: every tenant).
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredIncident {
    /// What clients read.
    pub detail: ServiceIncidentDetail,
    /// Customer tenants it affects; empty for a service-wide incident.
    #[serde(default)]
    pub affected_tenants: Vec<String>,
}

/// Every stored incident.
pub async fn all(state: &AppState) -> ApiResult<Vec<StoredIncident>> {
    state
        .store
        .documents(KIND)
        .await?
        .into_iter()
        .map(|(key, body)| {
            serde_json::from_value(body).map_err(|e| {
                ApiError::internal(&format!("stored incident {key} is unreadable: {e}"))
            })
        })
        .collect()
}

/// How bad a status is, for the group's status (the worst open one).
fn rank(status: &str) -> u8 {
    match status {
        "critical" => 3,
        "warning" => 2,
        "information" => 1,
        _ => 0,
    }
}

/// One comparison of the `filter` query.
#[derive(Debug, Clone, PartialEq)]
enum Filter {
    Field {
        field: String,
        operator: String,
        value: String,
    },
    All(Vec<Filter>),
    Any(Vec<Filter>),
}

fn fold(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// A property of a JSON object in any casing.
fn get<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Reads the .NET SDK's filter: `{"Field": "Resolved", "Value": "false", "Operator":
/// "equals"}`, or `{"Filters": [...], "Operator": "and"|"or"}`.
fn parse_filter(v: &Value) -> Result<Filter, String> {
    let operator = get(v, "operator")
        .map(text)
        .unwrap_or_else(|| "equals".into());
    if let Some(list) = get(v, "filters") {
        let inner = list
            .as_array()
            .ok_or("Filters must be an array")?
            .iter()
            .map(parse_filter)
            .collect::<Result<Vec<_>, _>>()?;
        return match fold(&operator).as_str() {
            "and" => Ok(Filter::All(inner)),
            "or" => Ok(Filter::Any(inner)),
            other => Err(format!(
                "a compound filter's operator is and or or, not {other}"
            )),
        };
    }
    let field = get(v, "field").map(text).ok_or("a filter needs a Field")?;
    let value = get(v, "value").map(text).ok_or("a filter needs a Value")?;
    let field = fold(&field);
    if ![
        "resolved",
        "messagetype",
        "startdate",
        "starttime",
        "enddate",
        "endtime",
        "status",
        "workload",
        "severity",
    ]
    .contains(&field.as_str())
    {
        return Err(format!(
            "the field {field} is not one of Resolved, MessageType, StartDate, EndDate, Status, Workload, Severity"
        ));
    }
    let operator = fold(&operator);
    if ![
        "equals",
        "notequals",
        "greaterthan",
        "lessthan",
        "greaterthanorequals",
        "lessthanorequals",
    ]
    .contains(&operator.as_str())
    {
        return Err(format!("the operator {operator} is not known"));
    }
    Ok(Filter::Field {
        field,
        operator,
        value,
    })
}

fn matches(filter: &Filter, d: &ServiceIncidentDetail) -> bool {
    match filter {
        Filter::All(list) => list.iter().all(|f| matches(f, d)),
        Filter::Any(list) => list.iter().any(|f| matches(f, d)),
        Filter::Field {
            field,
            operator,
            value,
        } => {
            let time = |t: Option<&str>| t.and_then(parse_iso).map(|(s, _)| s);
            let ordering = match field.as_str() {
                "resolved" => Some(d.resolved.to_string().cmp(&value.to_ascii_lowercase())),
                "messagetype" => Some(fold(&d.message_type).cmp(&fold(value))),
                "status" => Some(
                    d.status
                        .to_ascii_lowercase()
                        .cmp(&value.to_ascii_lowercase()),
                ),
                "severity" => Some(
                    d.severity
                        .to_ascii_lowercase()
                        .cmp(&value.to_ascii_lowercase()),
                ),
                "workload" => Some(
                    d.workload
                        .to_ascii_lowercase()
                        .cmp(&value.to_ascii_lowercase()),
                ),
                "startdate" | "starttime" => time(Some(&d.start_time))
                    .zip(time(Some(value)))
                    .map(|(a, b)| a.cmp(&b)),
                _ => time(d.end_time.as_deref())
                    .zip(time(Some(value)))
                    .map(|(a, b)| a.cmp(&b)),
            };
            let Some(o) = ordering else {
                return false;
            };
            use std::cmp::Ordering::*;
            match operator.as_str() {
                "equals" => o == Equal,
                "notequals" => o != Equal,
                "greaterthan" => o == Greater,
                "lessthan" => o == Less,
                "greaterthanorequals" => o != Less,
                _ => o != Greater,
            }
        }
    }
}

/// The `filter` query parameter, if any (400/800002 when it is not a filter).
fn filter_param(query: Option<&str>) -> ApiResult<Option<Filter>> {
    let Some(raw) = query_param(query, "filter") else {
        return Ok(None);
    };
    let value: Value = serde_json::from_str(&raw)
        .map_err(|e| ApiError::malformed(format!("The filter is not JSON: {e}.")))?;
    parse_filter(&value)
        .map(Some)
        .map_err(|e| ApiError::malformed(format!("The filter is not valid: {e}.")))
}

/// Incidents grouped per workload, in workload order; a group's status is the worst of its
/// open incidents (`normal` when none is open).
pub fn grouped(details: Vec<ServiceIncidentDetail>) -> Vec<ServiceIncidents> {
    let mut groups: BTreeMap<String, ServiceIncidents> = BTreeMap::new();
    for d in details {
        let group = groups
            .entry(d.workload.clone())
            .or_insert_with(|| ServiceIncidents {
                workload: d.workload.clone(),
                status: "normal".to_owned(),
                incidents: Vec::new(),
                message_center_messages: Vec::new(),
            });
        if !d.resolved && rank(&d.status) > rank(&group.status) {
            group.status = d.status.clone();
        }
        if d.message_type == "message_center" {
            group.message_center_messages.push(d);
        } else {
            group.incidents.push(d);
        }
    }
    groups.into_values().collect()
}

/// The incidents visible to `customer` (every one when none), filtered.
async fn selected(
    state: &AppState,
    customer: Option<&CustomerId>,
    filter: Option<&Filter>,
) -> ApiResult<Vec<ServiceIncidentDetail>> {
    let mut details: Vec<ServiceIncidentDetail> = all(state)
        .await?
        .into_iter()
        .filter(|i| {
            customer.is_none_or(|c| {
                i.affected_tenants.is_empty()
                    || i.affected_tenants.iter().any(|t| t.eq_ignore_ascii_case(c))
            })
        })
        .map(|i| i.detail)
        .filter(|d| filter.is_none_or(|f| matches(f, d)))
        .collect();
    details.sort_by(|a, b| b.start_time.cmp(&a.start_time).then(a.id.cmp(&b.id)));
    Ok(details)
}

/// `GET /v1/serviceincidents/office[?filter=<JSON>]`.
pub async fn list(
    State(state): State<AppState>,
    _caller: Caller,
    format: Format,
    RawQuery(query): RawQuery,
) -> ApiResult<Reply<ResourceCollection<ServiceIncidents>>> {
    let filter = filter_param(query.as_deref())?;
    let items = grouped(selected(&state, None, filter.as_ref()).await?);
    Ok(Reply::ok(
        format,
        ResourceCollection::new(
            items,
            ResourceLinks::to_self("/serviceincidents/office".to_owned()),
        ),
    ))
}

/// `GET /v1/serviceincidents/office/count[?filter=<JSON>]`: how many incidents and posts match.
pub async fn count(
    State(state): State<AppState>,
    _caller: Caller,
    format: Format,
    RawQuery(query): RawQuery,
) -> ApiResult<Reply<u64>> {
    let filter = filter_param(query.as_deref())?;
    let n = selected(&state, None, filter.as_ref()).await?.len() as u64;
    Ok(Reply::ok(format, n))
}

/// `GET /v1/customers/{id}/serviceincidents/office[?filter=<JSON>]`: the incidents that touch
/// the customer (its own, and the service-wide ones), grouped per workload.
pub async fn of_customer(
    State(state): State<AppState>,
    caller: Caller,
    format: Format,
    PathId(id): PathId<CustomerId>,
    RawQuery(query): RawQuery,
) -> ApiResult<Reply<ResourceCollection<ServiceIncidents>>> {
    related(&state, &caller, &id).await?;
    let filter = filter_param(query.as_deref())?;
    let items = grouped(selected(&state, Some(&id), filter.as_ref()).await?);
    Ok(Reply::ok(
        format,
        ResourceCollection::new(
            items,
            ResourceLinks::to_self(format!("/customers/{id}/serviceincidents/office")),
        ),
    ))
}

/// The incidents a new database starts with: open and resolved ones over Exchange,
/// SharePoint and Teams at each severity, and a message-center post, dated relative to `now`.
pub fn seed(now: i64) -> Vec<StoredIncident> {
    let at = |hours_ago: i64| iso_timestamp(now - hours_ago * 3600);
    let message = |hours_ago: i64, text: &str| IncidentMessage {
        published_time: at(hours_ago),
        message_text: text.to_owned(),
    };
    let incident = |id: &str,
                    workload: &str,
                    status: &str,
                    started: i64,
                    ended: Option<i64>,
                    area: &str,
                    texts: Vec<IncidentMessage>| StoredIncident {
        detail: ServiceIncidentDetail {
            id: id.to_owned(),
            message_type: "incident".to_owned(),
            start_time: at(started),
            end_time: ended.map(at),
            status: if ended.is_some() {
                "normal".to_owned()
            } else {
                status.to_owned()
            },
            severity: status.to_owned(),
            resolved: ended.is_some(),
            workload: workload.to_owned(),
            affected_workload_names: vec![workload.to_owned()],
            impacted_area: Some(area.to_owned()),
            category: Some("incident".to_owned()),
            action_type: None,
            required_by: None,
            messages: texts,
        },
        affected_tenants: Vec::new(),
    };
    vec![
        incident("EX100001", "Exchange", "warning", 5, None, "Mail delivery",
            vec![message(5, "Some users may see delays sending mail to external recipients. We are investigating.")]),
        incident("SP100002", "SharePoint", "critical", 2, None, "Document libraries",
            vec![message(2, "Users may be unable to open documents in some document libraries."),
                 message(1, "We have identified a configuration change as the likely cause and are reverting it.")]),
        incident("TM100003", "MicrosoftTeams", "information", 30, Some(26), "Meetings",
            vec![message(30, "Some users may not see meeting recordings."),
                 message(26, "Recordings are visible again; the incident is resolved.")]),
        StoredIncident {
            detail: ServiceIncidentDetail {
                id: "MC100004".to_owned(),
                message_type: "message_center".to_owned(),
                start_time: at(48),
                end_time: None,
                status: "information".to_owned(),
                severity: "information".to_owned(),
                resolved: false,
                workload: "Exchange".to_owned(),
                affected_workload_names: vec!["Exchange".to_owned()],
                impacted_area: Some("Administration".to_owned()),
                category: Some("planForChange".to_owned()),
                action_type: Some("Action".to_owned()),
                required_by: Some(at(-30 * 24)),
                messages: vec![message(48, "Basic authentication for a legacy protocol will be turned off; move clients to modern authentication.")],
            },
            affected_tenants: Vec::new(),
        },
    ]
}

/// Seeds a new database with [`seed`], once: the marker document decides, so that several
/// nodes starting at once seed it once.
pub async fn seed_once(store: &partnerd_store::DynStore) -> Result<(), partnerd_store::StoreError> {
    if store
        .insert_document("seed", "service_incidents", Value::Bool(true))
        .await?
    {
        for i in seed(store.clock().now_secs()) {
            let body = serde_json::to_value(&i)
                .map_err(|e| partnerd_store::StoreError::Internal(e.to_string()))?;
            store.put_document(KIND, &i.detail.id, body).await?;
        }
    }
    Ok(())
}

/// The service-incident operations.
pub fn routes() -> Vec<Route> {
    vec![
        Route::get("/v1/serviceincidents/office", "getServiceIncidents", list)
            .summary("Service incidents and message-center posts, grouped per workload; filter is the .NET SDK's JSON.")
            .answers(200, Some(Body::ServiceIncidentsPage))
            .query(&["filter"]),
        Route::get("/v1/serviceincidents/office/count", "countServiceIncidents", count)
            .summary("How many service incidents and posts match the filter (a bare integer).")
            .answers(200, Some(Body::Integer))
            .query(&["filter"]),
        Route::get(
            "/v1/customers/{id}/serviceincidents/office",
            "getCustomerServiceIncidents",
            of_customer,
        )
        .summary("The service incidents that touch the customer (its own and service-wide ones), grouped per workload.")
        .answers(200, Some(Body::ServiceIncidentsPage))
        .query(&["filter"]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_dotnet_filter_reads_and_selects() {
        let seeded: Vec<_> = seed(1_795_000_000).into_iter().map(|i| i.detail).collect();
        let open =
            parse_filter(&json!({"Field": "Resolved", "Value": "false", "Operator": "equals"}))
                .unwrap();
        assert_eq!(seeded.iter().filter(|d| matches(&open, d)).count(), 3);
        let both = parse_filter(&json!({"Filters": [
            {"Field": "Resolved", "Value": false, "Operator": "equals"},
            {"Field": "MessageType", "Value": "Incident", "Operator": "equals"}], "Operator": "and"})).unwrap();
        assert_eq!(seeded.iter().filter(|d| matches(&both, d)).count(), 2);
        let recent = parse_filter(&json!({"field": "StartDate", "value": "2026-11-18T05:00:00Z", "operator": "greater_than"})).unwrap();
        assert_eq!(seeded.iter().filter(|d| matches(&recent, d)).count(), 2);
        assert!(parse_filter(&json!({"Field": "Color", "Value": "x"})).is_err());
    }

    #[test]
    fn groups_take_the_worst_open_status() {
        let groups = grouped(seed(1_795_000_000).into_iter().map(|i| i.detail).collect());
        let names: Vec<_> = groups
            .iter()
            .map(|g| (g.workload.as_str(), g.status.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("Exchange", "warning"),
                ("MicrosoftTeams", "normal"),
                ("SharePoint", "critical")
            ]
        );
        assert_eq!(groups[0].message_center_messages.len(), 1);
    }
}
