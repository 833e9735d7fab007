"""A login flood from a process of its own (so that the test's own measurements do not
compete with it for the interpreter): ``python -m tests.web.flood URL CSRF LOGINS AT_ONCE``
prints how many answers of each status came back, as JSON."""

import asyncio
import json
import sys
from collections import Counter

import httpx


async def flood(base: str, csrf: str, logins: int, at_once: int) -> Counter[int]:
    """``logins`` failed logins, ``at_once`` at a time, each from its own address."""
    statuses: Counter[int] = Counter()
    gate = asyncio.Semaphore(at_once)
    limits = httpx.Limits(max_connections=at_once)
    async with httpx.AsyncClient(
        base_url=base, cookies={"recoup_csrf": csrf}, timeout=60, limits=limits
    ) as client:

        async def one(n: int) -> None:
            email = "admin@alpha.example" if n % 4 == 0 else f"nobody{n}@alpha.example"
            async with gate:
                response = await client.post(
                    "/login",
                    data={"email": email, "password": f"guess {n}", "csrf_token": csrf},
                    headers={"x-forwarded-for": f"198.51.100.{n % 250}"},
                )
            statuses[response.status_code] += 1

        await asyncio.gather(*(one(n) for n in range(logins)))
    return statuses


if __name__ == "__main__":
    url, token, count, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    print(json.dumps(asyncio.run(flood(url, token, count, concurrency))))
