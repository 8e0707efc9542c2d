"""dackit.saxs"""
