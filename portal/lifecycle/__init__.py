"""Appraisal, opening and disposal pages and API (鉴定、开放审核、销毁)."""
