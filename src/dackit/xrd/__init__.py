"""dackit.xrd"""
