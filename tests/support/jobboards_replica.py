"""Replicas of the job boards' JSON APIs (JobStreet, Glints, Kalibrr) in the shapes
documented in docs/sources.md, with two Indonesian jobs written for these tests: a
"customer service" ad with every fraud signal (no company profile, no logo, no screening
questions) and an ordinary one with all three."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.support.http import Reply, Route

JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class SampleJob:
    job_id: str
    title: str
    html: str
    company: str
    salary_low: int
    salary_high: int
    city: str
    listed: str
    trusted: bool


JOBS = (
    SampleJob(
        "81000001",
        "Customer Service Online (Penempatan Luar Negeri)",
        "<p>Gaji <b>Rp 18 juta</b> per bulan, tiket dan visa ditanggung.</p>"
        "<ul><li>Usia 18-30</li><li>Bisa mengetik cepat</li></ul>"
        "<script>steal()</script><p>Kirim CV lewat Telegram @hrd_cepat</p>",
        "PT Sukses Global Mandiri",
        18_000_000,
        18_000_000,
        "Jakarta",
        "2026-11-20T03:00:00Z",
        False,
    ),
    SampleJob(
        "81000002",
        "Staf Administrasi Gudang",
        "<p>Mengelola stok dan dokumen pengiriman.</p><ul><li>D3 semua jurusan</li></ul>",
        "PT Logistik Nusantara",
        5_000_000,
        6_500_000,
        "Surabaya",
        "2026-11-19T02:00:00Z",
        True,
    ),
)


def reply(document: Any, status: int = 200) -> Reply:
    return Reply(json.dumps(document, ensure_ascii=False).encode(), status, JSON)


def body_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return {}


def find(job_id: Any) -> SampleJob | None:
    return next((job for job in JOBS if job.job_id == str(job_id)), None)


# JobStreet --------------------------------------------------------------------------------


def jobstreet_search() -> Reply:
    data = [
        {
            "id": job.job_id,
            "title": job.title,
            "teaser": "Lowongan " + job.title.lower(),
            "companyName": job.company,
            "advertiser": {"id": "a" + job.job_id, "description": job.company},
            "listingDate": job.listed,
            "locations": [{"label": job.city, "countryCode": "ID"}],
            "salaryLabel": f"Rp {job.salary_low:,} – Rp {job.salary_high:,} per month",
            "branding": {"serpLogoUrl": "https://img.example/logo.png"} if job.trusted else None,
            "workTypes": ["Full time"],
        }
        for job in JOBS
    ]
    return reply({"data": data, "totalCount": len(data), "pageNumber": 1, "pageSize": 30})


def jobstreet_graphql(path: str, body: bytes) -> Reply:
    job = find((body_json(body).get("variables") or {}).get("jobId"))
    if job is None:
        return reply({"data": {"jobDetails": None}})
    products: dict[str, Any] = {"branding": None, "questionnaire": None}
    if job.trusted:
        products = {
            "branding": {"logo": {"url": "https://img.example/logo.png"}},
            "questionnaire": {"questions": ["Berapa tahun pengalaman Anda?", "Punya SIM?"]},
        }
    document = {
        "data": {
            "jobDetails": {
                "job": {
                    "id": job.job_id,
                    "title": job.title,
                    "content": job.html,
                    "listedAt": {"dateTimeUtc": job.listed},
                    "salary": {"label": f"Rp {job.salary_low:,} – Rp {job.salary_high:,}"},
                    "location": {"label": f"{job.city}, Indonesia"},
                    "workTypes": {"label": "Full time"},
                    "advertiser": {"id": "a" + job.job_id, "name": job.company},
                    "products": products,
                },
                "companyProfile": {"id": "c" + job.job_id, "name": job.company}
                if job.trusted
                else None,
            }
        }
    }
    return reply(document)


def jobstreet_routes() -> dict[str, Route]:
    return {"/api/jobsearch/v5/search": jobstreet_search(), "/graphql": jobstreet_graphql}


# Glints -----------------------------------------------------------------------------------


def glints_company(job: SampleJob) -> dict[str, Any]:
    return {
        "id": "c-" + job.job_id if job.trusted else None,
        "name": job.company,
        "logo": "logo.png" if job.trusted else None,
        "website": "https://logistik.example" if job.trusted else None,
    }


def glints_salaries(job: SampleJob) -> list[dict[str, Any]]:
    return [
        {
            "minAmount": job.salary_low,
            "maxAmount": job.salary_high,
            "CurrencyCode": "IDR",
            "salaryMode": "MONTH",
        }
    ]


def draftjs(html_job: SampleJob) -> str:
    blocks = [{"key": "a", "text": "Kami membuka lowongan " + html_job.title, "type": "unstyled"}]
    blocks += [{"key": "b", "text": "Gaji menarik <b>bonus</b>", "type": "unordered-list-item"}]
    blocks += [{"key": "c", "text": "Hubungi HRD", "type": "unordered-list-item"}]
    return json.dumps({"blocks": blocks, "entityMap": {}})


def glints_graphql(path: str, body: bytes) -> Reply:
    request = body_json(body)
    if request.get("operationName") == "searchJobs":
        jobs = [
            {
                "id": job.job_id,
                "title": job.title,
                "createdAt": job.listed,
                "company": glints_company(job),
                "city": {"name": job.city},
                "salaries": glints_salaries(job),
            }
            for job in JOBS
        ]
        return reply({"data": {"searchJobsV3": {"jobsInPage": jobs, "hasMore": False}}})
    job = find((request.get("variables") or {}).get("opportunityId"))
    if job is None:
        return reply({"errors": [{"message": "not found"}]})
    details = {
        "id": job.job_id,
        "title": job.title,
        "descriptionJsonString": draftjs(job),
        "createdAt": job.listed,
        "company": glints_company(job),
        "city": {"name": job.city},
        "salaries": glints_salaries(job),
        "screeningQuestions": [{"id": "q1"}] if job.trusted else [],
    }
    return reply({"data": {"getJobDetailsById": details}})


def glints_routes() -> dict[str, Route]:
    return {"/api/v2/graphql": glints_graphql}


# Kalibrr ----------------------------------------------------------------------------------


def kalibrr_job(job: SampleJob) -> dict[str, Any]:
    return {
        "id": int(job.job_id),
        "name": job.title,
        "description": job.html,
        "qualifications": "<ul><li>Jujur dan disiplin</li></ul>",
        "activation_date": job.listed,
        "company_name": job.company,
        "company": {
            "code": "logistik-nusantara" if job.trusted else "sukses-global",
            "name": job.company,
            "logo": "https://img.example/k.png" if job.trusted else None,
            "description": "Perusahaan logistik sejak 1998." if job.trusted else "",
        },
        "google_location": {"address_components": {"city": job.city, "region": "Jawa"}},
        "base_salary": job.salary_low,
        "maximum_salary": job.salary_high,
        "salary_currency": "IDR",
        "salary_interval": "monthly",
        "tenure": "Full time",
        "application_questions": [{"question": "Domisili?"}] if job.trusted else [],
    }


def kalibrr_routes() -> dict[str, Route]:
    routes: dict[str, Route] = {
        "/kjs/job_board/search": reply(
            {"jobs": [kalibrr_job(job) for job in JOBS], "total_count": len(JOBS), "offset": 0}
        )
    }
    for job in JOBS:
        routes[f"/kjs/job_board/jobs/{job.job_id}"] = reply(kalibrr_job(job))
    return routes
