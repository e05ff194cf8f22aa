"""Fetch a variant through CloudFront the way a viewer does, to see what it is served."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from reference.targets import Target

BROWSER_ACCEPT = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"  # what Chromium sends for <img>
LEGACY_ACCEPT = "image/jpeg,image/*;q=0.8"  # a client without WebP support


@dataclass(frozen=True)
class CdnResponse:
    url: str
    status: int
    content_type: str
    size: int
    vary: str


def variant_path(image_id: str, filename: str) -> str:
    return f"/images/{image_id}/{filename}"


def fetch(target: Target, domain: str, path: str, accept: str) -> CdnResponse:
    base, host = target.cdn_address(domain)
    response = requests.get(
        base + path, headers={"Host": host, "Accept": accept}, verify=target.verify, timeout=30, allow_redirects=False
    )
    return CdnResponse(
        url=target.cdn_public_url(domain, path),
        status=response.status_code,
        content_type=response.headers.get("Content-Type", ""),
        size=len(response.content),
        vary=response.headers.get("Vary", ""),
    )
