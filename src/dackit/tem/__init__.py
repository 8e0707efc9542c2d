"""dackit.tem"""
