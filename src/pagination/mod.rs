//! Cursor pagination shared by every list: follows `links.next`, guards against loops
//! and links that leave the API, and turns pages into streams.

use futures::{
    StreamExt, TryStreamExt,
    stream::{self, BoxStream},
};

use crate::error::Result;

mod machine;

pub(crate) use machine::{failed, team_list};

/// Largest page Honeycomb serves.
pub const MAX_PAGE_SIZE: u32 = 100;
/// Page size this crate asks for when none is set: the largest, so that listing takes as few
/// requests (and as little of the rate limit) as possible. Honeycomb's own default is 20.
pub const DEFAULT_PAGE_SIZE: u32 = MAX_PAGE_SIZE;

/// The number of empty pages that still point further (in a row or not) that ends a
/// listing with [`PaginationFault::EmptyPages`](crate::PaginationFault::EmptyPages).
pub const MAX_EMPTY_PAGES: usize = 3;

/// What a listing remembers of the items it yielded, to notice one coming twice.
pub(crate) trait Listed {
    /// The item's id.
    fn listing_id(&self) -> &str;
}

/// One page of a list, as Honeycomb returned it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page, in server order.
    pub items: Vec<T>,
    /// The cursor of the next page (pass it to `after` to resume a listing there), or
    /// `None` on the last page, and on a page whose next link was refused (the error
    /// that follows the page says why).
    pub next_cursor: Option<String>,
}

/// The options every list shares: page size, page cap, and where to start.
#[derive(Clone, Debug, Default)]
pub(crate) struct ListOptions {
    pub(crate) page_size: Option<u32>,
    pub(crate) max_pages: Option<usize>,
    pub(crate) page_limit: Option<usize>,
    pub(crate) after: Option<String>,
}

/// The methods every list builder shares, for a builder with an `options: ListOptions`
/// field and a `pages()` method: the paging setters, and the items and collected forms
/// of its stream of `$item`.
macro_rules! list_builder_methods {
    ($item:ty) => {
        /// Items per request, 1 to 100 (default 100). A value outside is rejected with
        /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) before any request.
        ///
        /// ```no_run
        #[doc = concat!("# async fn run(list: honeycomb_api_keys::List", stringify!($item), "s) -> honeycomb_api_keys::Result<()> {")]
        /// let first_20 = list.page_size(20).max_pages(1).collect().await?;
        /// assert!(first_20.len() <= 20);
        /// # Ok(()) }
        /// ```
        pub fn page_size(mut self, size: u32) -> Self {
            self.options.page_size = Some(size);
            self
        }

        /// Stop after this many pages, even if there are more (the stream then ends
        /// without an error; the last page's `next_cursor` says where it stopped).
        ///
        /// ```no_run
        #[doc = concat!("# async fn run(list: honeycomb_api_keys::List", stringify!($item), "s) -> honeycomb_api_keys::Result<()> {")]
        /// let at_most_200 = list.max_pages(2).collect().await?; // 2 pages of at most 100
        /// assert!(at_most_200.len() <= 200);
        /// # Ok(()) }
        /// ```
        pub fn max_pages(mut self, pages: usize) -> Self {
            self.options.max_pages = Some(pages);
            self
        }

        /// The most pages this listing fetches before it ends with
        /// [`Error::PaginationLoop`](crate::Error::PaginationLoop) if there are more (default
        /// [`DEFAULT_PAGE_LIMIT`](crate::DEFAULT_PAGE_LIMIT)): the guard against a
        /// server that never stops handing out pages. Unlike [`max_pages`](Self::max_pages),
        /// reaching it is an error: the listing is incomplete.
        ///
        /// ```no_run
        #[doc = concat!("# async fn run(list: honeycomb_api_keys::List", stringify!($item), "s) -> honeycomb_api_keys::Result<()> {")]
        /// let all = list.page_limit(50_000).collect().await?; // a team with millions of items
        /// # Ok(()) }
        /// ```
        pub fn page_limit(mut self, pages: usize) -> Self {
            self.options.page_limit = Some(pages);
            self
        }

        /// Start at the page after `cursor`, a [`Page::next_cursor`](crate::Page::next_cursor)
        /// of an earlier listing.
        ///
        /// ```no_run
        #[doc = concat!("# async fn run(list: honeycomb_api_keys::List", stringify!($item), "s, saved: String) -> honeycomb_api_keys::Result<()> {")]
        /// let rest = list.after(saved).collect().await?; // where an earlier run stopped
        /// # Ok(()) }
        /// ```
        pub fn after(mut self, cursor: impl Into<String>) -> Self {
            self.options.after = Some(cursor.into());
            self
        }

        /// The items, one at a time, fetching each page as the stream reaches it.
        ///
        /// ```no_run
        #[doc = concat!("# async fn run(list: honeycomb_api_keys::List", stringify!($item), "s) -> honeycomb_api_keys::Result<()> {")]
        /// let mut items = list.items();
        /// while let Some(item) = items.try_next().await? { println!("{} {}", item.id, item.name) }
        /// # Ok(()) }
        /// ```
        pub fn items(self) -> crate::pagination::Items<$item> {
            self.pages().items()
        }

        /// Every item, in one `Vec`.
        ///
        /// ```no_run
        #[doc = concat!("# async fn run(list: honeycomb_api_keys::List", stringify!($item), "s) -> honeycomb_api_keys::Result<()> {")]
        /// let all = list.collect().await?;
        /// println!("{} in all", all.len());
        /// # Ok(()) }
        /// ```
        ///
        /// # Errors
        ///
        /// The error that ended the listing (see [`Items::try_next`](crate::Items::try_next));
        /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a bad page size or cursor.
        pub async fn collect(self) -> crate::Result<Vec<$item>> {
            futures::TryStreamExt::try_collect(self.items()).await
        }
    };
}
pub(crate) use list_builder_methods;

/// The pages of a listing, fetched one at a time as the stream is polled. A
/// [`Stream`](futures::Stream); [`try_next`](Self::try_next) reads it without importing
/// anything.
///
/// ```no_run
/// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
/// let mut pages = client.api_keys().list().pages();
/// while let Some(page) = pages.try_next().await? {
///     println!("{} keys, next cursor {:?}", page.items.len(), page.next_cursor);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a listing does nothing until it is polled"]
pub struct Pages<T>(BoxStream<'static, Result<Page<T>>>);

/// The items of a listing, one at a time, fetching each page as the stream reaches it. A
/// [`Stream`](futures::Stream); [`try_next`](Self::try_next) reads it without importing
/// anything.
///
/// ```no_run
/// # async fn run(client: honeycomb_api_keys::Client) -> honeycomb_api_keys::Result<()> {
/// let mut keys = client.api_keys().list().items();
/// while let Some(key) = keys.try_next().await? {
///     println!("{} {}", key.id, key.name);
/// }
/// # Ok(()) }
/// ```
#[must_use = "a listing does nothing until it is polled"]
pub struct Items<T>(BoxStream<'static, Result<T>>);

macro_rules! listing_stream {
    ($name:ident, $item:ty) => {
        impl<T> $name<T> {
            /// The next element, or `None` at the end of the listing.
            ///
            /// ```no_run
            /// # use honeycomb_api_keys::{ApiKey, Items, Pages, Result};
            #[doc = concat!("# async fn run(mut stream: ", stringify!($name), "<ApiKey>) -> Result<()> {")]
            /// while let Some(next) = stream.try_next().await? {
            ///     println!("{next:?}");
            /// }
            /// # Ok(()) }
            /// ```
            ///
            /// # Errors
            ///
            /// The error that ended the listing: what Honeycomb answered, a transport
            /// failure, or [`Error::PaginationLoop`](crate::Error::PaginationLoop) and [`Error::UnsafeNextLink`](crate::Error::UnsafeNextLink) for a
            /// server whose pages do not lead to an end; after an error the stream ends.
            pub async fn try_next(&mut self) -> Result<Option<$item>> {
                TryStreamExt::try_next(&mut self.0).await
            }
        }

        impl<T> futures::Stream for $name<T> {
            type Item = Result<$item>;

            fn poll_next(
                mut self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
            ) -> std::task::Poll<Option<Self::Item>> {
                self.0.poll_next_unpin(cx)
            }
        }

        impl<T> std::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(stringify!($name))
            }
        }
    };
}
listing_stream!(Pages, Page<T>);
listing_stream!(Items, T);

impl<T: Send + 'static> Pages<T> {
    pub(crate) fn new(stream: BoxStream<'static, Result<Page<T>>>) -> Self {
        Pages(stream)
    }

    /// The items of these pages, one by one.
    pub(crate) fn items(self) -> Items<T> {
        Items(self.0.map_ok(|page| stream::iter(page.items.into_iter().map(Ok))).try_flatten().boxed())
    }
}
