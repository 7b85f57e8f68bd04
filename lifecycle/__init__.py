"""Appraisal, opening and disposal (鉴定、开放审核、销毁): what is due when (``due``), the opening
review (``opening``), appraisal and destruction (``appraisal``, ``destruction``), legal holds
(``holds``) and the 销毁清册 (``register``). Imports the domain core only."""
