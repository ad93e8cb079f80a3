//! Listing follows `links.next` to the end, and stops safely when the server misbehaves.

use crate::common::*;
use futures::{StreamExt, TryStreamExt};
use honeycomb_api_keys::{Error, KeyType};
use serde_json::json;
use wiremock::{
    Mock, MockServer,
    matchers::{method, path, query_param, query_param_is_missing},
};

/// Mounts `pages` pages of `per_page` keys, linked by `links.next` like Honeycomb's
/// (relative, with `page[after]` and `page[size]`, brackets percent-encoded on even pages).
async fn mount_pages(server: &MockServer, pages: usize, per_page: usize) {
    for p in 0..pages {
        let items = (0..per_page)
            .map(|i| ingest_key(&numbered_id(p * per_page + i), &format!("key {}", p * per_page + i)))
            .collect();
        let next = (p + 1 < pages).then(|| {
            if p % 2 == 0 {
                format!("/2/teams/{TEAM}/api-keys?page%5Bafter%5D=cursor{}&page%5Bsize%5D={per_page}", p + 1)
            } else {
                format!("/2/teams/{TEAM}/api-keys?page[after]=cursor{}&page[size]={per_page}", p + 1)
            }
        });
        let mock = Mock::given(method("GET")).and(path(keys_path()));
        let mock = if p == 0 {
            mock.and(query_param_is_missing("page[after]"))
        } else {
            mock.and(query_param("page[after]", format!("cursor{p}")))
        };
        mock.respond_with(jsonapi(200, page(items, next.as_deref()))).expect(1).mount(server).await;
    }
}

#[tokio::test]
async fn items_follow_next_links_across_pages_in_order() {
    let server = MockServer::start().await;
    mount_pages(&server, 3, 100).await;
    let keys = client(&server).api_keys().list().collect().await.unwrap();
    assert_eq!(keys.len(), 300);
    for (i, key) in keys.iter().enumerate() {
        assert_eq!(key.id.as_str(), numbered_id(i));
    }
    let sizes: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.query_pairs().find(|(k, _)| k == "page[size]").unwrap().1.into_owned())
        .collect();
    assert_eq!(sizes, ["100", "100", "100"]);
}

#[tokio::test]
async fn pages_keep_their_boundaries_and_cursors() {
    let server = MockServer::start().await;
    mount_pages(&server, 3, 5).await;
    let pages: Vec<_> = client(&server).api_keys().list().page_size(5).pages().try_collect().await.unwrap();
    assert_eq!(pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(), [5, 5, 5]);
    assert_eq!(
        pages.iter().map(|p| p.next_cursor.as_deref()).collect::<Vec<_>>(),
        [Some("cursor1"), Some("cursor2"), None]
    );
}

#[tokio::test]
async fn the_item_stream_fetches_pages_only_as_they_are_consumed() {
    let server = MockServer::start().await;
    mount_pages(&server, 3, 10).await;
    let mut items = client(&server).api_keys().list().page_size(10).items();
    for _ in 0..10 {
        items.try_next().await.unwrap().unwrap();
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    items.try_next().await.unwrap().unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    // Dropping the stream early is fine; the third page's mock expected one call.
    drop(items);
    server.reset().await;
}

async fn single_page_with_links(links: serde_json::Value) -> usize {
    let server = MockServer::start().await;
    Mock::given(path(keys_path()))
        .respond_with(jsonapi(200, json!({"data": [ingest_key(INGEST_ID, "only")], "links": links})))
        .expect(1)
        .mount(&server)
        .await;
    client(&server).api_keys().list().collect().await.unwrap().len()
}

#[tokio::test]
async fn a_null_next_link_ends_the_list() {
    assert_eq!(single_page_with_links(json!({"next": null})).await, 1);
}

#[tokio::test]
async fn an_absent_next_link_or_absent_links_end_the_list() {
    assert_eq!(single_page_with_links(json!({})).await, 1);
    let server = MockServer::start().await;
    Mock::given(path(keys_path()))
        .respond_with(jsonapi(200, json!({"data": [ingest_key(INGEST_ID, "only")]})))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(client(&server).api_keys().list().collect().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_empty_next_link_ends_the_list() {
    assert_eq!(single_page_with_links(json!({"next": ""})).await, 1);
}

#[tokio::test]
async fn a_repeated_cursor_yields_the_pages_then_a_loop_error() {
    let server = MockServer::start().await;
    let next = format!("/2/teams/{TEAM}/api-keys?page[after]=same&page[size]=100");
    Mock::given(path(keys_path()))
        .respond_with(jsonapi(200, page(vec![ingest_key(INGEST_ID, "again")], Some(&next))))
        .mount(&server)
        .await;
    let results: Vec<_> = client(&server).api_keys().list().pages().collect().await;
    assert_eq!(results.len(), 3, "two pages, then the error, then the end");
    assert!(results[0].is_ok() && results[1].is_ok());
    assert!(matches!(results[2], Err(Error::PaginationLoop { pages: 2, .. })), "{:?}", results[2]);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_cursor_cycle_is_caught_too() {
    let server = MockServer::start().await;
    mount_key_page(&server, None, jsonapi(200, page(vec![ingest_key(&numbered_id(0), "0")], Some(&next_link("a")))))
        .await;
    mount_key_page(
        &server,
        Some("a"),
        jsonapi(200, page(vec![ingest_key(&numbered_id(1), "a")], Some(&next_link("b")))),
    )
    .await;
    mount_key_page(
        &server,
        Some("b"),
        jsonapi(200, page(vec![ingest_key(&numbered_id(2), "b")], Some(&next_link("a")))),
    )
    .await;
    let err = client(&server).api_keys().list().collect().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::PaginationLoop { pages: 3, fault: honeycomb_api_keys::PaginationFault::RepeatedCursor, .. }
        ),
        "{err}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

async fn assert_next_link_refused(next: String, evil: &MockServer) {
    let server = MockServer::start().await;
    Mock::given(path(keys_path()))
        .respond_with(jsonapi(200, page(vec![ingest_key(INGEST_ID, "first")], Some(&next))))
        .expect(1)
        .mount(&server)
        .await;
    let results: Vec<_> = client(&server).api_keys().list().items().collect().await;
    assert_eq!(results.len(), 2, "the first page's item, then the refusal");
    assert!(results[0].is_ok());
    assert!(matches!(&results[1], Err(Error::UnsafeNextLink { .. })), "{:?}", results[1]);
    assert_no_requests(evil).await;
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused_and_never_called() {
    let evil = MockServer::start().await;
    assert_next_link_refused(format!("{}/2/teams/{TEAM}/api-keys?page[after]=x", evil.uri()), &evil).await;
}

#[tokio::test]
async fn a_protocol_relative_next_link_is_refused() {
    let evil = MockServer::start().await;
    let authority = evil.uri().trim_start_matches("http:").to_string();
    assert_next_link_refused(format!("{authority}/2/teams/{TEAM}/api-keys?page[after]=x"), &evil).await;
}

#[tokio::test]
async fn a_next_link_to_another_path_is_refused() {
    let evil = MockServer::start().await;
    assert_next_link_refused("/2/teams/someone-else/api-keys?page[after]=x".to_string(), &evil).await;
}

#[tokio::test]
async fn max_pages_caps_the_listing() {
    let server = MockServer::start().await;
    mount_key_page(&server, None, jsonapi(200, page(vec![ingest_key(&numbered_id(0), "k")], Some(&next_link("c1")))))
        .await;
    mount_key_page(
        &server,
        Some("c1"),
        jsonapi(200, page(vec![ingest_key(&numbered_id(1), "k")], Some(&next_link("c2")))),
    )
    .await;
    let keys = client(&server).api_keys().list().max_pages(2).collect().await.unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_filter_is_sent_on_every_page() {
    let server = MockServer::start().await;
    let next = format!("/2/teams/{TEAM}/api-keys?page[after]=n&filter[type]=ingest");
    mount_key_page(&server, None, jsonapi(200, page(vec![ingest_key(INGEST_ID, "a")], Some(&next)))).await;
    mount_key_page(&server, Some("n"), jsonapi(200, page(vec![ingest_key(&numbered_id(2), "b")], None))).await;
    let keys = client(&server).api_keys().list().key_type(KeyType::Ingest).collect().await.unwrap();
    assert_eq!(keys.len(), 2);
    for r in server.received_requests().await.unwrap() {
        assert!(r.url.query_pairs().any(|(k, v)| k == "filter[type]" && v == "ingest"), "{}", r.url);
    }
}

#[tokio::test]
async fn an_error_on_a_later_page_ends_the_stream_after_the_good_items() {
    let server = MockServer::start().await;
    mount_key_page(&server, None, jsonapi(200, page(vec![ingest_key(INGEST_ID, "a")], Some(&next_link("n"))))).await;
    mount_key_page(&server, Some("n"), jsonapi(500, error_body(500, "internal", "internal error", None, None))).await;
    let results: Vec<_> = client(&server).api_keys().list().items().collect().await;
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].as_ref().unwrap().name, "a");
    assert_eq!(results[1].as_ref().unwrap_err().status().map(|s| s.as_u16()), Some(500));
}

#[tokio::test]
async fn a_listing_resumes_after_a_cursor() {
    let server = MockServer::start().await;
    mount_pages(&server, 3, 10).await;
    let first = client(&server).api_keys().list().page_size(10).max_pages(1).pages().try_next().await.unwrap().unwrap();
    let cursor = first.next_cursor.unwrap();
    let rest = client(&server).api_keys().list().page_size(10).after(cursor).collect().await.unwrap();
    assert_eq!(rest.len(), 20);
    assert_eq!(rest[0].id.as_str(), numbered_id(10));
    assert_eq!(server.received_requests().await.unwrap().len(), 3, "each page exactly once");
}

#[tokio::test]
async fn endless_empty_pages_end_with_an_error() {
    let server = MockServer::start().await;
    mount_key_page(&server, None, jsonapi(200, page(vec![], Some(&next_link("e1"))))).await;
    mount_key_page(&server, Some("e1"), jsonapi(200, page(vec![], Some(&next_link("e2"))))).await;
    mount_key_page(&server, Some("e2"), jsonapi(200, page(vec![], Some(&next_link("e3"))))).await;
    mount_key_page(&server, Some("e3"), jsonapi(200, page(vec![], Some(&next_link("e4"))))).await;
    let err = client(&server).api_keys().list().collect().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::PaginationLoop {
                pages: 3,
                fault: honeycomb_api_keys::PaginationFault::EmptyPages { empty: 3, .. },
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn an_empty_page_between_full_ones_is_followed() {
    let server = MockServer::start().await;
    mount_key_page(&server, None, jsonapi(200, page(vec![ingest_key(INGEST_ID, "a")], Some(&next_link("e"))))).await;
    mount_key_page(&server, Some("e"), jsonapi(200, page(vec![], Some(&next_link("f"))))).await;
    mount_key_page(&server, Some("f"), jsonapi(200, page(vec![ingest_key(CONFIG_ID, "b")], None))).await;
    assert_eq!(client(&server).api_keys().list().collect().await.unwrap().len(), 2);
}
