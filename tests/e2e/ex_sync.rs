//! Genesys Cloud EX configuration sync end to end, on every backend, between the local UIS Data
//! API and the local Genesys Cloud, both holding to their contracts: a UIS account's employees,
//! groups and tags, with the skills and languages its scope gives, planned as a diff against the mapping table and applied idempotently.

use ccbridge::ex::sync::plan::Action;
use ccbridge_tests::genesys_cloud::{DirectoryUser, GenesysCloud};
use ccbridge_tests::uis_data_api::UisDataApi;
use ccbridge_tests::{TestStack, backends, with_data_api};

const EX_LINE: &str = "ex = { time_zone = \"Europe/Moscow\" }";

/// A UIS account of 3 employees in 2 groups with 2 tags, synced into an organisation.
struct Sync {
    gc: GenesysCloud,
    uis: UisDataApi,
    stack: TestStack,
}

impl Sync {
    async fn start(backend: &ccbridge_tests::Backend) -> Self {
        let gc = GenesysCloud::start().await;
        let uis = UisDataApi::start().await;
        uis.add_employee(2003, "Сидоров Иван Петрович");
        uis.add_group(10, "Продажи", &[2001, 2002]);
        uis.add_group(20, "Поддержка", &[2002, 2003]);
        uis.add_tag(301, "Повторный клиент");
        uis.add_tag(318, "Доставка");
        let base = gc.config("");
        assert!(base.contains(EX_LINE), "the test configuration's UIS ex settings");
        let sync = "sync = { skills = { \"2001\" = { \"Продажи\" = 4.0 } }, languages = { \"2001\" = { \"Русский\" = 5.0 } } }";
        let config = base.replacen(EX_LINE, &format!("ex = {{ time_zone = \"Europe/Moscow\", {sync} }}"), 1);
        let stack = TestStack::start_with(backend, &with_data_api(&config, &uis)).await;
        Self { gc, uis, stack }
    }

    async fn plan(&self) -> Vec<Action> {
        let plans = ccbridge_admin::plan_ex_sync(&self.stack.stack.app, "genesys-demo").await.expect("planned");
        plans.into_iter().flat_map(|p| p.actions).collect()
    }

    /// Applies, waiting out no 429 (the local Genesys asks for a second at most); the changes
    /// made, in order.
    async fn apply(&self) -> Vec<String> {
        let mut made = Vec::new();
        let applied = ccbridge_admin::apply_ex_sync(
            &self.stack.stack.app,
            "genesys-demo",
            |_, _, action| made.push(action.to_string()),
            async |_| {},
        )
        .await
        .expect("applied");
        assert_eq!(applied, made.len());
        made
    }

    fn user_of(&self, email: &str) -> DirectoryUser {
        let users = self.gc.directory_users();
        users.into_iter().find(|u| u.email == email).unwrap_or_else(|| panic!("a user {email}"))
    }

    /// The e-mails of the queue's members.
    fn members_of(&self, queue: &str) -> Vec<String> {
        let queues = self.gc.queues();
        let queue = queues.iter().find(|q| q.name == queue).expect("the queue");
        let users = self.gc.directory_users();
        let mut emails: Vec<String> = self
            .gc
            .queue_members(&queue.id)
            .iter()
            .filter_map(|member| users.iter().find(|u| &u.id == member))
            .map(|u| u.email.clone())
            .collect();
        emails.sort();
        emails
    }
}

#[tokio::test]
async fn an_initial_sync_creates_the_account_once_and_later_changes_one_by_one() {
    for backend in backends() {
        let sync = Sync::start(&backend).await;
        let plan = sync.plan().await;
        let made = sync.apply().await;
        assert_eq!(made, plan.iter().map(ToString::to_string).collect::<Vec<_>>(), "apply makes exactly the plan");
        assert_eq!(plan.len(), 14, "{plan:#?}");
        let writes = sync.gc.directory_writes();
        eprintln!(
            "initial sync of 3 employees in 2 groups with 2 tags: {writes} writes, {} requests",
            sync.gc.received().len()
        );

        assert_eq!(sync.user_of("employee2001@uis.example").name, "Иванова Анна Сергеевна");
        assert_eq!(sync.gc.directory_users().len(), 3);
        for employee in ["2001", "2002", "2003"] {
            let external = ("ccbridge-uis-demo".to_owned(), employee.to_owned());
            let carried = sync.gc.directory_users().iter().any(|u| u.external_ids.contains(&external));
            assert!(carried, "employee {employee} carries its external id");
        }
        assert_eq!(sync.members_of("Продажи"), ["employee2001@uis.example", "employee2002@uis.example"]);
        assert_eq!(sync.members_of("Поддержка"), ["employee2002@uis.example", "employee2003@uis.example"]);
        let mut codes: Vec<String> = sync.gc.wrapup_codes().into_iter().map(|c| c.name).collect();
        codes.sort();
        assert_eq!(codes, ["Доставка", "Повторный клиент"]);
        let lunch = sync.gc.secondary_statuses();
        assert_eq!(lunch.len(), 1, "the custom status 7 «Обед»: {lunch:?}");
        assert_eq!(
            (&lunch[0]["languageLabels"]["en_US"], &lunch[0]["systemPresence"]),
            (&serde_json::json!("Обед"), &serde_json::json!("Busy"))
        );
        let anna = sync.user_of("employee2001@uis.example").id;
        assert_eq!(sync.gc.user_levels(&anna, "routingskills"), [("Продажи".to_owned(), 4.0)].into());
        assert_eq!(sync.gc.user_levels(&anna, "routinglanguages"), [("Русский".to_owned(), 5.0)].into());

        // A second run: nothing to plan, nothing written.
        assert!(sync.plan().await.is_empty());
        assert!(sync.apply().await.is_empty());
        assert_eq!(sync.gc.directory_writes(), writes);

        // One employee renamed: one update.
        sync.uis.rename_employee(2003, "Сидоров Иван Иванович");
        assert!(matches!(sync.plan().await.as_slice(), [Action::UpdateUser { employee, .. }] if employee == "2003"));
        sync.apply().await;
        assert_eq!(sync.gc.directory_writes(), writes + 1);
        assert_eq!(sync.user_of("employee2003@uis.example").name, "Сидоров Иван Иванович");

        // One employee gone: the user inactive, not deleted, and out of its queue.
        sync.uis.remove_employee(2001);
        let plan = sync.plan().await;
        assert!(matches!(plan.as_slice(), [Action::DeactivateUser { .. }, Action::RemoveMembers { .. }]), "{plan:#?}");
        sync.apply().await;
        assert_eq!(sync.user_of("employee2001@uis.example").state, "inactive");
        assert_eq!(sync.members_of("Продажи"), ["employee2002@uis.example"]);
        assert!(sync.plan().await.is_empty());

        // A group gone: its queue stays, without members.
        sync.uis.remove_group(20);
        sync.apply().await;
        assert!(sync.members_of("Поддержка").is_empty());
        assert_eq!(sync.gc.queues().len(), 2);
    }
}

#[tokio::test]
async fn a_429_half_way_resumes_without_making_anything_twice_and_existing_names_are_adopted() {
    for backend in backends() {
        let sync = Sync::start(&backend).await;
        let existing = sync.gc.add_queue("Продажи");
        // Half-way: the users and queues are made when the first membership is refused.
        sync.gc.fail_next("/members", 429, Some(1));
        sync.apply().await;
        assert_eq!(sync.gc.directory_users().len(), 3, "no user made twice");
        let sales: Vec<String> = sync.gc.queues().into_iter().filter(|q| q.name == "Продажи").map(|q| q.id).collect();
        assert_eq!(sales, [existing], "the existing queue is adopted");
        assert_eq!(sync.members_of("Продажи").len(), 2);
        assert!(sync.gc.received().iter().any(|r| r.status == 429), "Genesys did ask to wait");
        assert!(sync.plan().await.is_empty());
    }
}

#[tokio::test]
async fn a_call_of_a_synced_employee_is_sent_with_its_user() {
    for backend in backends() {
        let sync = Sync::start(&backend).await;
        sync.apply().await;
        let app = &sync.stack.stack.app;
        ccbridge_admin::provision_ex(app, "genesys-demo").await.expect("provisioned");
        let user = sync.user_of("employee2001@uis.example").id;
        let body = serde_json::json!({"ud_channel_token": "uis-demo-token-0001", "call_session_id": 7_000_001,
            "direction": "in", "contact_phone_number": "79161234567", "virtual_phone_number": "74993720692",
            "employee_id": 2001, "last_talked_employee_id": 2001, "is_lost": false, "talk_time_duration": 60,
            "start_time": "2026-11-30 10:00:00", "finish_time": "2026-11-30 10:01:05", "wait_time_duration": 5,
            "finish_reason": "subscriber_disconnects", "tag_names": ["Доставка"]});
        let response = sync.stack.http.post(sync.stack.url("/uis/webhook/call_finished")).json(&body).send().await;
        assert_eq!(response.expect("request").status(), 200);
        ccbridge::jobs::sweep::sweep(app, &Default::default()).await.expect("sweep");
        let events = sync.gc.injected_events();
        let agent = events.iter().find(|(kind, ..)| kind == "userEstablishedEvents").expect("the agent's leg");
        assert_eq!(agent.2["userId"], user.as_str(), "the synced user");
        let wrapup = events.iter().find(|(kind, ..)| kind == "communicationDispositionAppliedEvents").expect("wrap-up");
        let code = sync.gc.wrapup_codes().into_iter().find(|c| c.name == "Доставка").expect("code").id;
        assert_eq!(wrapup.2["code"], code.as_str(), "the synced wrap-up code of the call's tag");
    }
}

#[tokio::test]
async fn the_ongoing_sync_is_a_job_the_schedule_puts_in_line() {
    for backend in backends() {
        let sync = Sync::start(&backend).await;
        let app = &sync.stack.stack.app;
        let key = ccbridge::store::keys::ex_sync_job("uis-demo");
        let sweep = async || ccbridge::jobs::sweep::sweep(app, &Default::default()).await.expect("sweep");

        let queued = ccbridge::ex::sync::job::schedule(app).await.expect("scheduled");
        assert_eq!(queued.iter().map(|c| c.as_str()).collect::<Vec<_>>(), ["uis-demo"]);
        assert_eq!(sweep().await.done, 1);
        assert_eq!(sync.gc.directory_users().len(), 3, "the initial sync ran as a job");
        let job: ccbridge::ex::sync::job::SyncJob = app.store.get(&key).await.expect("read").expect("the job");
        assert_eq!((job.planned, job.applied), (14, 14));

        // Not again before its interval; then a change in UIS reaches Genesys on its own.
        assert!(ccbridge::ex::sync::job::schedule(app).await.expect("scheduled").is_empty());
        sync.uis.rename_employee(2002, "Петров Пётр Петрович");
        app.clock.advance(time::Duration::seconds(301));
        assert_eq!(ccbridge::ex::sync::job::schedule(app).await.expect("scheduled").len(), 1);
        sweep().await;
        assert_eq!(sync.user_of("employee2002@uis.example").name, "Петров Пётр Петрович");
        let job: ccbridge::ex::sync::job::SyncJob = app.store.get(&key).await.expect("read").expect("the job");
        assert_eq!((job.planned, job.applied, job.job.status), (1, 1, ccbridge::jobs::JobStatus::Done));
    }
}

#[tokio::test]
async fn wde_agents_from_the_configuration_become_users_their_interactions_name() {
    for backend in backends() {
        let gc = GenesysCloud::start().await;
        let agents = "agents = { agent01 = { name = \"Anna Kowalska\", email = \"anna@wde.example\" }, \
                      agent02 = { name = \"Piotr Nowak\", email = \"piotr@wde.example\" } }";
        let ex = format!("genesys = \"genesys-demo\"\n[channel.ex]\nsync = {{ {agents} }}\n");
        let anchor = "default_operator = \"admin\"\n";
        let config = gc.config("").replacen(anchor, &format!("{anchor}{ex}"), 1);
        let stack = TestStack::start_with(&backend, &config).await;
        let app = &stack.stack.app;
        let plans = ccbridge_admin::plan_ex_sync(app, "genesys-demo").await.expect("planned");
        let actions: Vec<&Action> = plans.iter().flat_map(|p| &p.actions).collect();
        assert_eq!(actions.len(), 2, "two agents: {actions:#?}");
        ccbridge_admin::apply_ex_sync(app, "genesys-demo", |_, _, _| {}, async |_| {}).await.expect("applied");
        let anna = gc.directory_users().into_iter().find(|u| u.email == "anna@wde.example").expect("agent01's user");
        assert!(anna.external_ids.contains(&("ccbridge-wde-demo".to_owned(), "agent01".to_owned())));

        // The sample interaction of agent01 names that user.
        ccbridge_admin::provision_ex(app, "genesys-demo").await.expect("provisioned");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/wde-interaction");
        let function = ccbridge_local::function("wde-interaction").expect("function");
        for sample in ["01-register-interaction.json", "02-update-interaction.json"] {
            let event = std::fs::read_to_string(root.join(sample)).expect("sample");
            let answer = ccbridge_local::invoke::invoke(app.clone(), function, &event).await.expect("invoke");
            assert_eq!(answer["statusCode"], 200, "{answer}");
        }
        ccbridge::jobs::sweep::sweep(app, &Default::default()).await.expect("sweep");
        let events = gc.injected_events();
        let agent = events.iter().find(|(kind, ..)| kind == "userEstablishedEvents").expect("the agent's leg");
        assert_eq!(agent.2["userId"], anna.id.as_str());
    }
}
