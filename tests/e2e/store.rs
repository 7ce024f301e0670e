use ccbridge::store::{Cursor, Entity, Index, Key, Written};
use ccbridge_tests::{counts, on_each_backend};
use serde::{Deserialize, Serialize};

/// A small entity exercising every part of the item layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Note {
    owner: String,
    id: String,
    at: String,
    tags: Vec<String>,
    expires: Option<i64>,
}

impl Entity for Note {
    const TYPE: &'static str = "note";

    fn key(&self) -> Key {
        Key::new(format!("NOTE#{}", self.id), "NOTE")
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        vec![(Index::Gsi1, format!("OWNER#{}", self.owner), format!("AT#{}", self.at))]
    }

    fn expires_at(&self) -> Option<i64> {
        self.expires
    }
}

fn note(id: &str, at: &str) -> Note {
    Note { owner: "ann".into(), id: id.into(), at: at.into(), tags: vec![], expires: None }
}

#[tokio::test]
async fn put_new_writes_once_even_when_raced() {
    on_each_backend(async |stack| {
        let store = stack.stack.app.store.clone();
        let first = note("n1", "2026-11-01");
        let writes = futures::future::join_all((0..10).map(|_| {
            let store = store.clone();
            let first = first.clone();
            async move { store.put_new(&first).await.expect("write") }
        }))
        .await;
        assert_eq!(writes.iter().filter(|w| **w == Written::Created).count(), 1, "{writes:?}");
        assert_eq!(writes.iter().filter(|w| **w == Written::Unchanged).count(), 9);
        let items = stack.scan_all().await;
        assert_eq!(items.len(), 1);
        let item = &items[0];
        assert_eq!(item["type"].as_s().expect("type"), "note");
        assert_eq!(item["gsi1pk"].as_s().expect("gsi1pk"), "OWNER#ann");
        assert_eq!(item["_v"].as_n().expect("version"), "1");
        let read: Note = store.get(&first.key()).await.expect("get").expect("present");
        assert_eq!(read, first);
    })
    .await;
}

#[tokio::test]
async fn concurrent_merges_are_all_applied() {
    on_each_backend(async |stack| {
        let store = stack.stack.app.store.clone();
        let key = note("merged", "2026-11-02").key();
        futures::future::join_all((0..6).map(|i| {
            let store = store.clone();
            let key = key.clone();
            async move {
                store
                    .update_with(&key, |current: Option<&Note>| {
                        let mut next = current.cloned().unwrap_or_else(|| note("merged", "2026-11-02"));
                        let tag = format!("t{i}");
                        if next.tags.contains(&tag) {
                            return None;
                        }
                        next.tags.push(tag);
                        next.tags.sort();
                        Some(next)
                    })
                    .await
                    .expect("merge")
            }
        }))
        .await;
        let merged: Note = store.get(&key).await.expect("get").expect("present");
        assert_eq!(merged.tags, vec!["t0", "t1", "t2", "t3", "t4", "t5"]);
        // Applying a merge that changes nothing writes nothing.
        let (written, _) = store
            .update_with(&key, |current: Option<&Note>| {
                current.filter(|n| !n.tags.contains(&"t0".to_string())).cloned()
            })
            .await
            .expect("no-op merge");
        assert_eq!(written, Written::Unchanged);
        let items = stack.scan_all().await;
        assert_eq!(items[0]["_v"].as_n().expect("version"), "6");
    })
    .await;
}

#[tokio::test]
async fn a_batch_merge_reads_once_and_writes_once_per_hundred_and_loses_no_race() {
    on_each_backend(async |stack| {
        let (app, counter) = stack.app_counting_calls();
        let store = app.store.clone();
        let tag = |i: usize| {
            move |current: Option<&Note>, id: &str| {
                let mut next = current.cloned().unwrap_or_else(|| note(id, "2026-11-03"));
                let tag = format!("t{i}");
                (!next.tags.contains(&tag)).then(|| {
                    next.tags.push(tag);
                    next.tags.sort();
                    (next, Vec::new())
                })
            }
        };
        let ids: Vec<String> = (0..150).map(|n| format!("b{n:03}")).collect();
        let keys: Vec<Key> = ids.iter().map(|id| note(id, "").key()).collect();
        let results = store.merge_batch(&keys, |n, current| Ok(tag(0)(current, &ids[n]))).await.expect("merged");
        assert!(results.iter().all(|(w, n)| *w == Written::Created && n.is_some()), "{results:?}");
        // 150 keys: two reads (100 keys a request), two transactions (100 actions each at most).
        assert_eq!(counter.take_counts(), counts(&[("BatchGetItem", 2), ("TransactWriteItems", 2)]));
        let again = store.merge_batch(&keys, |n, current| Ok(tag(0)(current, &ids[n]))).await.expect("again");
        assert!(again.iter().all(|(w, n)| *w == Written::Unchanged && n.as_ref().is_some_and(|n| n.tags == ["t0"])));
        assert_eq!(counter.take_counts(), counts(&[("BatchGetItem", 2)]), "nothing to change is a read alone");

        // Six batches over the same ten keys at once: every batch's tag lands on every key.
        let few = &keys[..10];
        futures::future::join_all((1..=6).map(|i| {
            let (store, ids) = (store.clone(), &ids);
            async move { store.merge_batch(few, |n, current| Ok(tag(i)(current, &ids[n]))).await.expect("raced") }
        }))
        .await;
        for key in few {
            let merged: Note = store.get(key).await.expect("get").expect("present");
            assert_eq!(merged.tags, ["t0", "t1", "t2", "t3", "t4", "t5", "t6"], "{key}");
        }
        let twice = store.merge_batch(&[keys[0].clone(), keys[0].clone()], |_, _| Ok(None::<(Note, _)>)).await;
        assert!(twice.is_err(), "a key named twice is refused before anything is read");
    })
    .await;
}

#[tokio::test]
async fn index_pages_newest_first_and_hides_expired_items() {
    on_each_backend(async |stack| {
        let store = stack.stack.app.store.clone();
        for (id, at) in [("a", "2026-11-01"), ("b", "2026-11-03"), ("c", "2026-11-02"), ("d", "2026-11-04")] {
            store.put_new(&note(id, at)).await.expect("write");
        }
        let expired = Note { expires: Some(1), ..note("old", "2026-11-05") };
        store.put_new(&expired).await.expect("write");
        let first = store.query_index::<Note>(Index::Gsi1, "OWNER#ann", 2, None).await.expect("page 1");
        let ids: Vec<_> = first.items.iter().map(|n| n.id.as_str()).collect();
        // The expired item is the newest, so the first page holds only one live note.
        assert_eq!(ids, vec!["d"]);
        let token = first.next.expect("more pages").encode();
        let cursor = Cursor::decode(&token).expect("cursor");
        let mut rest = Vec::new();
        let mut next = Some(cursor);
        while let Some(cursor) = next {
            let page = store.query_index::<Note>(Index::Gsi1, "OWNER#ann", 2, Some(&cursor)).await.expect("page");
            rest.extend(page.items.into_iter().map(|n| n.id));
            next = page.next;
        }
        assert_eq!(rest, vec!["b", "c", "a"]);
        assert!(store.get::<Note>(&expired.key()).await.expect("get").is_none());
    })
    .await;
}
