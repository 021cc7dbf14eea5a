"""Things the meetings take away: the weekly brief (PDF, DOCX), the quarterly deck (PPTX), 督办事项.

Builders here take frames that pages already hold and return bytes; they never query the database.
"""
