"""dackit.gauge"""
