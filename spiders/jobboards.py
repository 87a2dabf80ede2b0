"""Spiders for job boards' JSON search APIs: JobStreet, Glints and Kalibrr.

Each board is searched for a keyword page by page; each job found is then read in full
(its own JSON) and becomes one ``PostItem`` with the job text, the company, salary and
location, and in ``extras`` the job-board fraud signals investigators look at: whether the
company has a profile page, whether the ad shows a logo, and whether the application asks
screening questions (scam ads typically have none of the three).

The API shapes are documented in ``docs/sources.md``, one section per board. They were
built from what is publicly known of these APIs, without live access: the replicas in the
tests follow the same shapes.

    scrapy crawl jobstreet -a q=KEYWORD [-a max_pages=N] [-a base_url=URL] [-a proxy=URL]
    scrapy crawl glints -a q=KEYWORD ...
    scrapy crawl kalibrr -a q=KEYWORD ...
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.items import PostItem
from spiders.base import PantauSpider, parse_base_url
from spiders.text import html_fragment_to_text, tidy

PAGE_SIZE = 30
MAX_FIELD_CHARS = 500


@dataclass
class Job:
    """One job as the spiders read it, before it becomes an item."""

    job_id: str
    title: str = ""
    text: str = ""
    url: str = ""
    company: str | None = None
    company_url: str | None = None
    company_profile: bool | None = None
    logo: bool | None = None
    screening_questions: int | None = None
    salary: str | None = None
    location: str | None = None
    posted_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class MalformedJob(ValueError):
    """A job in an API answer that cannot be read."""


class JobBoardSpider(PantauSpider):
    """Keyword search, then each job's details; subclasses know one board's API."""

    def __init__(
        self, *args: Any, q: str | None = None, proxy: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.query = tidy(q or "", 100)
        if not self.query:
            raise ValueError("give a search keyword: -a q=...")
        self.proxy = parse_base_url(proxy) if proxy else None

    def default_source(self) -> str:
        return f"{self.name}-{self.query}"

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.search_request(1)

    def request(
        self, url: str, callback: Any, body: Any = None, **cb_kwargs: Any
    ) -> scrapy.Request:
        """A GET, or a POST of ``body`` as JSON, with the source's proxy."""
        extra: dict[str, Any] = {}
        if body is not None:
            extra = {
                "method": "POST",
                "body": json.dumps(body),
                "headers": {"Content-Type": "application/json"},
            }
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            cb_kwargs=cb_kwargs,
            meta={"proxy": self.proxy} if self.proxy else {},
            **extra,
        )

    # What each board defines ----------------------------------------------------------

    def search_request(self, page: int) -> scrapy.Request:
        raise NotImplementedError

    def read_search(self, document: Any) -> tuple[list[Any], bool]:
        """The jobs of a search answer and whether more pages follow."""
        raise NotImplementedError

    def summary(self, raw: Any) -> Job:
        """A job as the search shows it (raises ``MalformedJob``)."""
        raise NotImplementedError

    def detail_request(self, job: Job) -> scrapy.Request:
        raise NotImplementedError

    def read_detail(self, document: Any, job: Job) -> Job:
        """``job`` completed from its details answer (raises ``MalformedJob``)."""
        raise NotImplementedError

    # The walk ---------------------------------------------------------------------------

    def parse_search(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        """Requests for the details of each job found, then the next search page."""
        document = self.load(response)
        if document is None:
            return
        try:
            raws, more = self.read_search(document)
        except (KeyError, TypeError, ValueError) as exc:
            self.fail(f"{self.name} search at {response.url} has an unknown shape: {exc}")
        self.count("pages")
        jobs = list(self.summaries(raws))
        for job in jobs:
            yield self.detail_request(job)
        if more and self.may_page([job.job_id for job in jobs], page):
            yield self.search_request(page + 1)

    def summaries(self, raws: list[Any]) -> Iterator[Job]:
        for raw in raws:
            try:
                yield self.summary(raw)
            except (MalformedJob, KeyError, TypeError, ValueError) as exc:
                self.logger.warning("skipped a job of the search: %s", exc)
                self.count("jobs_skipped")

    def parse_detail(self, response: Response, job: Job) -> PostItem:
        """The job completed from its details (the summary alone when they are unusable)."""
        document = self.load(response)
        if document is not None:
            try:
                job = self.read_detail(document, job)
            except (MalformedJob, KeyError, TypeError, ValueError) as exc:
                self.logger.warning("details of job %s unusable: %s", job.job_id, exc)
                self.count("details_unusable")
        return self.item(job)

    def load(self, response: Response) -> Any:
        """The JSON body, or None (logged and counted) when it is not JSON."""
        try:
            return json.loads(response.body)
        except (ValueError, UnicodeDecodeError):
            self.logger.warning("%s did not answer with JSON", response.url)
            self.count("answers_not_json")
            return None

    def may_page(self, ids: list[str], page: int) -> bool:
        if page >= self.max_pages or not ids:
            return False
        if self.seen_before(ids):
            self.logger.info("page %d holds jobs stored earlier; not paging further", page)
            self.count("stopped_at_stored")
            return False
        return True

    def on_error(self, failure: Failure) -> Iterator[PostItem]:
        """429 ends the run as blocked; a failed details request keeps the summary; a
        failed search ends the run as failed."""
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(HttpError) and failure.value.response.status == 429:
            self.blocked("rate limit (HTTP 429)", request.url)
        job = request.cb_kwargs.get("job")
        if job is None:
            self.on_fetch_error(failure)
        self.logger.warning("details of job %s: %s", job.job_id, failure.getErrorMessage())
        self.count("details_failed")
        yield self.item(job)

    def item(self, job: Job) -> PostItem:
        title = tidy(job.title, MAX_FIELD_CHARS)
        text = job.text if not title or job.text.startswith(title) else f"{title}\n\n{job.text}"
        return self.build_item(
            post_id=job.job_id,
            url=job.url,
            title=title,
            text=text.strip(),
            author=job.company,
            author_url=job.company_url,
            posted_at=job.posted_at,
            images=[],
            price=job.salary,
            location=job.location,
            extras={
                "company": job.company,
                "company_profile": job.company_profile,
                "logo": job.logo,
                "screening_questions": job.screening_questions,
                **job.extra,
            },
        )


# Helpers for reading JSON -----------------------------------------------------------------


def get(data: Any, *keys: str | int) -> Any:
    """``data[k1][k2]...``, or None when a level is missing or of the wrong type."""
    for key in keys:
        if isinstance(key, int):
            data = data[key] if isinstance(data, list) and -len(data) <= key < len(data) else None
        else:
            data = data.get(key) if isinstance(data, Mapping) else None
        if data is None:
            return None
    return data


def text_of(value: Any, limit: int = MAX_FIELD_CHARS) -> str | None:
    """A short JSON string as clean text (HTML removed), or None."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    return html_fragment_to_text(str(value), limit) or None


def job_id(value: Any) -> str:
    """A job id of letters, digits and dashes; ``MalformedJob`` otherwise."""
    text = str(value or "").strip() if isinstance(value, str | int) else ""
    if not text or len(text) > 64 or not all(c.isalnum() or c in "-_" for c in text):
        raise MalformedJob(f"job without a usable id ({value!r})")
    return text


def iso_utc(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        stamp = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).isoformat(timespec="seconds")


def count_of(value: Any) -> int:
    return len(value) if isinstance(value, list) else 0


def draftjs_text(value: Any) -> str:
    """Text of a Draft.js document (Glints stores job descriptions so): blocks as lines,
    list items as ``- `` lines; markup typed into a block is removed too."""
    try:
        document = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return ""
    lines = []
    for block in get(document, "blocks") or []:
        text = html_fragment_to_text(str(get(block, "text") or ""), 10_000)
        kind = str(get(block, "type") or "")
        lines.append(f"- {text}" if "list-item" in kind and text else text)
    return tidy("\n".join(lines))


# JobStreet ---------------------------------------------------------------------------------

JOBSTREET_DETAILS = (
    "query jobDetails($jobId: ID!, $locale: Locale) { jobDetails(id: $jobId) { "
    "job { id title content(platform: WEB) abstract listedAt { dateTimeUtc } "
    "salary { label } location { label } workTypes { label } advertiser { id name } "
    "products { branding { logo { url } } questionnaire { questions } } } "
    "companyProfile { id name } } }"
)


class JobStreetSpider(JobBoardSpider):
    """JobStreet Indonesia (SEEK's platform): search v5 and the jobDetails GraphQL query."""

    name = "jobstreet"
    platform = "jobstreet"
    default_base_url = "https://id.jobstreet.com"

    def search_request(self, page: int) -> scrapy.Request:
        query = {
            "siteKey": "ID-Main",
            "keywords": self.query,
            "page": page,
            "pageSize": PAGE_SIZE,
            "locale": "id-ID",
        }
        url = f"{self.base_url}/api/jobsearch/v5/search?{urlencode(query)}"
        return self.request(url, self.parse_search, page=page)

    def read_search(self, document: Any) -> tuple[list[Any], bool]:
        jobs = document["data"]
        if not isinstance(jobs, list):
            raise TypeError("data is not a list")
        total = get(document, "totalCount")
        page = int(get(document, "pageNumber") or 1)
        return jobs, isinstance(total, int) and total > page * PAGE_SIZE

    def summary(self, raw: Any) -> Job:
        identifier = job_id(get(raw, "id"))
        return Job(
            job_id=identifier,
            title=text_of(get(raw, "title")) or "",
            text=text_of(get(raw, "teaser"), 2000) or "",
            url=f"{self.base_url}/id/job/{identifier}",
            company=text_of(get(raw, "companyName"))
            or text_of(get(raw, "advertiser", "description")),
            logo=bool(get(raw, "branding", "serpLogoUrl") or get(raw, "branding", "logo")),
            salary=text_of(get(raw, "salaryLabel")),
            location=text_of(get(raw, "locations", 0, "label")),
            posted_at=iso_utc(get(raw, "listingDate")),
        )

    def detail_request(self, job: Job) -> scrapy.Request:
        body = {
            "operationName": "jobDetails",
            "variables": {"jobId": job.job_id, "locale": "id-ID"},
            "query": JOBSTREET_DETAILS,
        }
        return self.request(f"{self.base_url}/graphql", self.parse_detail, body=body, job=job)

    def read_detail(self, document: Any, job: Job) -> Job:
        details = get(document, "data", "jobDetails")
        data = get(details, "job")
        if not isinstance(data, Mapping):
            raise MalformedJob("no data.jobDetails.job")
        profile = get(details, "companyProfile")
        job.title = text_of(get(data, "title")) or job.title
        job.text = html_fragment_to_text(get(data, "content")) or job.text
        job.company = text_of(get(data, "advertiser", "name")) or job.company
        job.company_profile = isinstance(profile, Mapping) and bool(get(profile, "id"))
        if job.company_profile:
            job.company_url = f"{self.base_url}/id/companies/{get(profile, 'id')}"
        job.logo = bool(get(data, "products", "branding", "logo", "url"))
        job.screening_questions = count_of(get(data, "products", "questionnaire", "questions"))
        job.salary = text_of(get(data, "salary", "label")) or job.salary
        job.location = text_of(get(data, "location", "label")) or job.location
        job.posted_at = iso_utc(get(data, "listedAt", "dateTimeUtc")) or job.posted_at
        job.extra["work_type"] = text_of(get(data, "workTypes", "label"))
        return job


# Glints ----------------------------------------------------------------------------------

GLINTS_SEARCH = (
    "query searchJobs($data: JobSearchConditionInput!) { searchJobsV3(data: $data) { "
    "jobsInPage { id title createdAt company { id name logo } city { name } "
    "salaries { minAmount maxAmount CurrencyCode salaryMode } } hasMore } }"
)
GLINTS_DETAILS = (
    "query getJobDetailsById($opportunityId: String!) { getJobDetailsById(opportunityId: "
    "$opportunityId) { id title descriptionJsonString createdAt company { id name logo "
    "website } city { name } salaries { minAmount maxAmount CurrencyCode salaryMode } "
    "screeningQuestions { id } } }"
)


class GlintsSpider(JobBoardSpider):
    """Glints (Indonesia): the searchJobsV3 and getJobDetailsById GraphQL queries."""

    name = "glints"
    platform = "glints"
    default_base_url = "https://glints.com"

    def search_request(self, page: int) -> scrapy.Request:
        variables = {
            "data": {
                "SearchTerm": self.query,
                "CountryCode": "ID",
                "page": page,
                "pageSize": PAGE_SIZE,
            }
        }
        body = {"operationName": "searchJobs", "variables": variables, "query": GLINTS_SEARCH}
        url = f"{self.base_url}/api/v2/graphql?op=searchJobs"
        return self.request(url, self.parse_search, body=body, page=page)

    def read_search(self, document: Any) -> tuple[list[Any], bool]:
        result = get(document, "data", "searchJobsV3")
        jobs = get(result, "jobsInPage")
        if not isinstance(jobs, list):
            raise TypeError("no data.searchJobsV3.jobsInPage list")
        return jobs, bool(get(result, "hasMore"))

    def summary(self, raw: Any) -> Job:
        identifier = job_id(get(raw, "id"))
        return Job(
            job_id=identifier,
            title=text_of(get(raw, "title")) or "",
            url=f"{self.base_url}/id/opportunities/jobs/{identifier}",
            company=text_of(get(raw, "company", "name")),
            logo=bool(get(raw, "company", "logo")),
            salary=glints_salary(get(raw, "salaries")),
            location=text_of(get(raw, "city", "name")),
            posted_at=iso_utc(get(raw, "createdAt")),
        )

    def detail_request(self, job: Job) -> scrapy.Request:
        body = {
            "operationName": "getJobDetailsById",
            "variables": {"opportunityId": job.job_id},
            "query": GLINTS_DETAILS,
        }
        url = f"{self.base_url}/api/v2/graphql?op=getJobDetailsById"
        return self.request(url, self.parse_detail, body=body, job=job)

    def read_detail(self, document: Any, job: Job) -> Job:
        data = get(document, "data", "getJobDetailsById")
        if not isinstance(data, Mapping):
            raise MalformedJob("no data.getJobDetailsById")
        company = get(data, "company")
        job.title = text_of(get(data, "title")) or job.title
        job.text = draftjs_text(get(data, "descriptionJsonString")) or job.text
        job.company = text_of(get(company, "name")) or job.company
        job.company_profile = bool(get(company, "id"))
        if job.company_profile:
            job.company_url = f"{self.base_url}/id/companies/{get(company, 'id')}"
        job.logo = bool(get(company, "logo"))
        job.screening_questions = count_of(get(data, "screeningQuestions"))
        job.salary = glints_salary(get(data, "salaries")) or job.salary
        job.location = text_of(get(data, "city", "name")) or job.location
        job.extra["company_website"] = text_of(get(company, "website"))
        return job


def glints_salary(salaries: Any) -> str | None:
    """``IDR 5000000-7000000 MONTH`` from Glints' salaries list."""
    first = get(salaries, 0)
    low, high = get(first, "minAmount"), get(first, "maxAmount")
    if low is None and high is None:
        return None
    currency, mode = get(first, "CurrencyCode") or "", get(first, "salaryMode") or ""
    amount = "-".join(str(v) for v in (low, high) if v is not None)
    return tidy(f"{currency} {amount} {mode}", 100)


# Kalibrr ---------------------------------------------------------------------------------


class KalibrrSpider(JobBoardSpider):
    """Kalibrr: the job board's search (``/kjs/job_board/search``) and job JSON."""

    name = "kalibrr"
    platform = "kalibrr"
    default_base_url = "https://www.kalibrr.com"

    def search_request(self, page: int) -> scrapy.Request:
        query = {
            "limit": PAGE_SIZE,
            "offset": (page - 1) * PAGE_SIZE,
            "text": self.query,
            "country": "Indonesia",
        }
        url = f"{self.base_url}/kjs/job_board/search?{urlencode(query)}"
        return self.request(url, self.parse_search, page=page)

    def read_search(self, document: Any) -> tuple[list[Any], bool]:
        jobs = document["jobs"]
        if not isinstance(jobs, list):
            raise TypeError("jobs is not a list")
        total = get(document, "total_count")
        offset = int(get(document, "offset") or 0)
        return jobs, isinstance(total, int) and total > offset + len(jobs)

    def summary(self, raw: Any) -> Job:
        identifier = job_id(get(raw, "id"))
        code = text_of(get(raw, "company", "code"))
        return Job(
            job_id=identifier,
            title=text_of(get(raw, "name")) or "",
            text=html_fragment_to_text(get(raw, "description")),
            url=f"{self.base_url}/c/{code or 'company'}/jobs/{identifier}",
            company=text_of(get(raw, "company_name")) or text_of(get(raw, "company", "name")),
            logo=bool(get(raw, "company", "logo")),
            salary=kalibrr_salary(raw),
            location=text_of(get(raw, "google_location", "address_components", "city")),
            posted_at=iso_utc(get(raw, "activation_date")),
        )

    def detail_request(self, job: Job) -> scrapy.Request:
        url = f"{self.base_url}/kjs/job_board/jobs/{job.job_id}"
        return self.request(url, self.parse_detail, job=job)

    def read_detail(self, document: Any, job: Job) -> Job:
        data = get(document, "job") if isinstance(get(document, "job"), Mapping) else document
        if not isinstance(data, Mapping) or not get(data, "id"):
            raise MalformedJob("no job object")
        company = get(data, "company")
        description = html_fragment_to_text(get(data, "description"))
        qualifications = html_fragment_to_text(get(data, "qualifications"))
        job.text = "\n\n".join(filter(None, [description, qualifications])) or job.text
        job.company_profile = bool(get(company, "code")) and bool(get(company, "description"))
        if get(company, "code"):
            job.company_url = f"{self.base_url}/id-ID/c/{get(company, 'code')}/jobs"
        job.logo = bool(get(company, "logo"))
        job.screening_questions = count_of(get(data, "application_questions"))
        job.salary = kalibrr_salary(data) or job.salary
        job.extra["tenure"] = text_of(get(data, "tenure"))
        return job


def kalibrr_salary(raw: Any) -> str | None:
    low, high = get(raw, "base_salary"), get(raw, "maximum_salary")
    if not low and not high:
        return None
    currency, interval = get(raw, "salary_currency") or "", get(raw, "salary_interval") or ""
    amount = "-".join(str(v) for v in (low, high) if v)
    return tidy(f"{currency} {amount} {interval}", 100)
