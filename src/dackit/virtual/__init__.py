"""dackit.virtual"""
