"""What every web area shares: access, languages, errors, paging, forms, the request's db session,
background jobs and the login limit. Nothing here knows an area."""
