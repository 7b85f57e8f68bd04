"""The portal's notifications: the bell in the header and the page that lists them (``archive.notifications``)."""
