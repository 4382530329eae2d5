//! Finding seeded rows the tests need, straight from the database.
use crate::common::TestApp;
use entity::{case, child, enums::CaseStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, prelude::Uuid};

pub async fn children(app: &TestApp) -> Vec<child::Model> {
    child::Entity::find().order_by_asc(child::Column::Id).all(&app.db).await.unwrap()
}

pub async fn cases(app: &TestApp) -> Vec<case::Model> {
    case::Entity::find().order_by_asc(case::Column::Id).all(&app.db).await.unwrap()
}

pub async fn child(app: &TestApp, id: Uuid) -> child::Model {
    child::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap()
}

pub async fn case(app: &TestApp, id: Uuid) -> case::Model {
    case::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap()
}

/// An open case allocated to `worker`, whose child is (or is not) restricted.
pub async fn open_case_of(app: &TestApp, worker: &str, restricted: bool) -> case::Model {
    let w = app.staff_id(worker);
    for c in case::Entity::find()
        .filter(case::Column::AllocatedWorkerId.eq(w))
        .filter(case::Column::Status.eq(CaseStatus::Open))
        .order_by_asc(case::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
    {
        if child(app, c.child_id).await.restricted == restricted {
            return c;
        }
    }
    panic!("no open case of {worker} (restricted: {restricted}) in the fixture");
}

/// Children that have never had a case.
pub async fn children_without_cases(app: &TestApp) -> Vec<child::Model> {
    let cs = cases(app).await;
    children(app).await.into_iter().filter(|c| !cs.iter().any(|k| k.child_id == c.id)).collect()
}

pub async fn team_of(app: &TestApp, handle: &str) -> Uuid {
    app.staff[handle].team_id.unwrap()
}
