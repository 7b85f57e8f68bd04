"""Access requests (利用申请): researchers ask for restricted records, archivists decide."""
